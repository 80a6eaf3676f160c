package dev.metaorch.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeIdsTest {
    @ParameterizedTest
    @ValueSource(strings = {"exp_042-20261122-101500-123", "a", "A.b_c-1", "..."})
    void idsOfSafeCharactersAreAccepted(String id) {
        assertThat(SafeIds.isSafe(id)).isTrue();
        assertThat(SafeIds.require("--run-id", id)).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../etc", "a/b", "a b", "a\\b", "é"})
    void pathsAndOtherCharactersAreRefusedNamingTheOption(String id) {
        assertThat(SafeIds.isSafe(id)).isFalse();
        assertThatThrownBy(() -> SafeIds.require("--resume", id)).isInstanceOfSatisfying(MetaorchException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(e.getMessage()).startsWith("--resume: '" + id + "' is not a valid id");
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 129})
    void idsAreAtMost128Characters(int length) {
        assertThat(SafeIds.isSafe("x".repeat(length))).isEqualTo(length <= 128);
    }
}

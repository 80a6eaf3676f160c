package dev.metaorch.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HashingTest {
    /** Reference values: RFC 1321, appendix A.5 (the MD5 test suite). */
    @ParameterizedTest
    @CsvSource({"'', d41d8cd98f00b204e9800998ecf8427e", "abc, 900150983cd24fb0d6963f7d28e17f72",
        "message digest, f96b697d7cb7938d525a2f31aaf161d0"})
    void md5MatchesRfc1321(String text, String hex) {
        assertThat(Hashing.md5(text)).isEqualTo(hex);
    }

    /** Reference value: FIPS 180-2, appendix B.1 (SHA-256 of "abc"). */
    @Test
    void sha256MatchesFips180() {
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertThat(Hashing.sha256("abc")).isEqualTo(abc);
        assertThat(Hashing.sha256("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(abc);
    }

    /**
     * Reference values: the first outputs of Vigna's splitmix64.c seeded with 0 (the state
     * advances by 0x9e3779b97f4a7c15, then the finaliser mixes it).
     */
    @Test
    void mix64IsTheSplitMix64Finaliser() {
        long gamma = 0x9e3779b97f4a7c15L;
        assertThat(Hashing.mix64(gamma)).isEqualTo(0xe220a8397b1dcdafL);
        assertThat(Hashing.mix64(2 * gamma)).isEqualTo(0x6e789e6aa1b965f4L);
        assertThat(Hashing.mix64(3 * gamma)).isEqualTo(0x06c45d188009454fL);
    }

    @Test
    void derivedSeedsDependOnEveryLabelAndTheirOrder() {
        long a = Hashing.deriveSeed(42, "pairs", "control");
        assertThat(Hashing.deriveSeed(42, "pairs", "control")).isEqualTo(a);
        assertThat(Hashing.deriveSeed(42, "control", "pairs")).isNotEqualTo(a);
        assertThat(Hashing.deriveSeed(43, "pairs", "control")).isNotEqualTo(a);
        assertThat(Hashing.deriveSeed(42, "pairs", "test")).isNotEqualTo(a);
        // label boundaries count: ("ab", "c") is not ("a", "bc")
        assertThat(Hashing.deriveSeed(1, "ab", "c")).isNotEqualTo(Hashing.deriveSeed(1, "a", "bc"));
    }
}

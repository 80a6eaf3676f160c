package dev.metaorch.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFilesTest {
    @TempDir
    Path dir;

    private static void badInput(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(MetaorchException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void readsJsonWithComments() throws IOException {
        Path f = Files.writeString(dir.resolve("a.json"), "{\"k\": /* note */ 2}");
        assertThat(JsonFiles.read(f, "a.json", "config").path("k").asInt()).isEqualTo(2);
    }

    @Test
    void eachFailureIsOneLineNamingTheFileAndThePlace() throws IOException {
        badInput(() -> JsonFiles.read(dir.resolve("none.json"), "none.json", "task suite"), "none.json: task suite not found");
        Path empty = Files.writeString(dir.resolve("empty.json"), "");
        badInput(() -> JsonFiles.read(empty, "empty.json", "config"), "empty.json: /: expected JSON, got an empty file");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\n  \"a\": 1,\n  \"b\": }\n");
        assertThatThrownBy(() -> JsonFiles.read(broken, "broken.json", "config")).isInstanceOfSatisfying(
                MetaorchException.class, e -> assertThat(e.getMessage()).startsWith("broken.json: line 3, column ")
                        .contains("invalid JSON").doesNotContain("\n"));
        Path dup = Files.writeString(dir.resolve("dup.json"), "{\"a\": 1, \"a\": 2}");
        assertThatThrownBy(() -> JsonFiles.read(dup, "dup.json", "config")).isInstanceOfSatisfying(MetaorchException.class,
                e -> assertThat(e.getMessage()).startsWith("dup.json: line 1, column ").contains("Duplicate field 'a'"));
    }
}

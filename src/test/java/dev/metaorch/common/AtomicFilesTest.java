package dev.metaorch.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metaorch.testing.ChildJvm;
import dev.metaorch.testing.CommonChild;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesTheWholeFileAndLeavesNoTempFile() throws IOException {
        Path target = dir.resolve("result.json");
        AtomicFiles.writeString(target, "first version, rather long\n");
        AtomicFiles.writeString(target, "second\n");
        assertThat(Files.readString(target)).isEqualTo("second\n");
        assertThat(listing()).containsExactly("result.json");
    }

    @Test
    void createsMissingFolders() throws IOException {
        Path target = dir.resolve("a/b/c.json");
        AtomicFiles.writeJson(target, java.util.Map.of("k", 1));
        assertThat(Json.mapper().readTree(Files.readString(target)).path("k").asInt()).isEqualTo(1);
    }

    @Test
    void aFailedRenameLeavesTheOldTargetAndNoTempFile() throws IOException {
        Path target = Files.createDirectories(dir.resolve("occupied"));
        Files.writeString(target.resolve("inside"), "x");
        assertThatThrownBy(() -> AtomicFiles.writeString(target, "new")).isInstanceOf(IOException.class);
        assertThat(Files.readString(target.resolve("inside"))).isEqualTo("x");
        assertThat(listing()).containsExactly("occupied");
    }

    @Test
    void theFileGetsTheSameModeAsAnyFileThisProcessCreates() throws IOException {
        Path plain = Files.createFile(dir.resolve("plain"));
        Path atomic = dir.resolve("atomic");
        AtomicFiles.writeString(atomic, "x");
        // Files.createTempFile (used before) made it rw------- whatever the umask
        assertThat(Files.getPosixFilePermissions(atomic)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    @ParameterizedTest
    @CsvSource({"022, rw-r--r--", "027, rw-r-----", "077, rw-------"})
    void followsTheUmask(String umask, String mode) throws Exception {
        Path target = dir.resolve("shared-" + umask + ".json");
        try (ChildJvm child = ChildJvm.start(null, ChildJvm.withUmask(umask,
                ChildJvm.command(CommonChild.class.getName(), "write", target.toString(), "{}")))) {
            assertThat(child.waitFor(Duration.ofSeconds(60))).as(child.output()).isZero();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo(mode);
    }
}

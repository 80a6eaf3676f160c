package dev.metaorch.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSessionStoreTest {
    @TempDir
    Path dir;

    private static List<SessionRecord> readAll(Path log, List<LogProblem> problems) throws IOException {
        List<SessionRecord> out = new ArrayList<>();
        SessionLogReader.read(log, out::add, problems::add);
        return out;
    }

    @Test
    void eightThreadsInEachOfTwoProcessesLoseAndDuplicateNothing() throws Exception {
        Path log = dir.resolve("sessions.jsonl");
        String cp = System.getProperty("java.class.path");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        for (String name : List.of("p1", "p2")) {
            procs.add(new ProcessBuilder(java, "-cp", cp, AppendWorker.class.getName(), log.toString(), name, "8", "625")
                    .redirectErrorStream(true).start());
        }
        for (Process p : procs) {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(output).isZero();
            long forces = Long.parseLong(output.trim().split(" ")[1]);
            assertThat(forces).as("group commit shares forces").isLessThan(5000);
        }
        List<LogProblem> problems = new ArrayList<>();
        List<SessionRecord> records = readAll(log, problems);
        assertThat(problems).isEmpty();
        assertThat(records).hasSize(10_000);
        Set<String> ids = new HashSet<>();
        records.forEach(r -> ids.add(r.sessionId()));
        assertThat(ids).hasSize(10_000);
        assertThat(Files.readAllLines(log)).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
    }

    @Test
    void tornTailIsMovedAsideAndTruncatedWithAWarning() throws IOException {
        Path log = dir.resolve("sessions.jsonl");
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            s.append(Records.record("r", "a", 1, true));
            s.append(Records.record("r", "a", 2, false));
        }
        long good = Files.size(log);
        Files.write(log, "{\"schema\":1,\"session_id\":\"r/a/3\",\"ru".getBytes(StandardCharsets.UTF_8),
                java.nio.file.StandardOpenOption.APPEND);
        List<LogProblem> problems = new ArrayList<>();
        assertThat(readAll(log, problems)).hasSize(2);
        assertThat(problems).singleElement().asString().contains("line 3").contains("unterminated");
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            assertThat(s.warnings()).singleElement().asString().contains("torn last line").contains("byte " + good);
            s.append(Records.record("r", "a", 3, true));
        }
        problems.clear();
        assertThat(readAll(log, problems)).extracting(SessionRecord::pair).containsExactly(1L, 2L, 3L);
        assertThat(problems).isEmpty();
        try (var files = Files.list(dir)) {
            Path aside = files.filter(p -> p.getFileName().toString().startsWith("sessions.jsonl.torn-")).findFirst().orElseThrow();
            assertThat(Files.readString(aside)).startsWith("{\"schema\":1,\"session_id\":\"r/a/3\"");
        }
    }

    @Test
    void nulFilledTailIsRepaired() throws IOException {
        Path log = dir.resolve("sessions.jsonl");
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            s.append(Records.record("r", "a", 1, true));
        }
        Files.write(log, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            assertThat(s.warnings()).hasSize(1);
        }
        List<LogProblem> problems = new ArrayList<>();
        assertThat(readAll(log, problems)).hasSize(1);
        assertThat(problems).isEmpty();
    }

    @Test
    void badLineInTheMiddleIsReportedWithLineAndByteOffset() throws IOException {
        Path log = dir.resolve("sessions.jsonl");
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            s.append(Records.record("r", "a", 1, true));
        }
        long offset = Files.size(log);
        Files.writeString(log, "{\"schema\":1,\"session_id\":garbage}\n", java.nio.file.StandardOpenOption.APPEND);
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            s.append(Records.record("r", "a", 4, true));
        }
        List<LogProblem> problems = new ArrayList<>();
        List<SessionRecord> records = readAll(log, problems);
        assertThat(records).extracting(SessionRecord::pair).containsExactly(1L, 4L);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.fatal()).isTrue();
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.byteOffset()).isEqualTo(offset);
            assertThat(p.toString()).contains("line 2 (byte " + offset + ")");
        });
    }

    @Test
    void twoRecordsGluedOnOneLineAreBothReadAndReported() throws IOException {
        Path log = dir.resolve("sessions.jsonl");
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            s.append(Records.record("r", "a", 1, true));
        }
        long offset = Files.size(log);
        String glued = dev.metaorch.common.Json.line(Records.record("r", "a", 2, true))
                + dev.metaorch.common.Json.line(Records.record("r", "a", 3, true)) + "\n";
        Files.writeString(log, glued, java.nio.file.StandardOpenOption.APPEND);
        List<LogProblem> problems = new ArrayList<>();
        assertThat(readAll(log, problems)).extracting(SessionRecord::pair).containsExactly(1L, 2L, 3L);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.fatal()).isFalse();
            assertThat(p.toString()).contains("line 2 (byte " + offset + ")").contains("2 records glued");
        });
    }

    @Test
    void appendReturnsOnlyAfterTheRecordIsOnDisk() throws IOException {
        Path log = dir.resolve("sessions.jsonl");
        try (JsonlSessionStore s = JsonlSessionStore.open(log)) {
            s.append(Records.record("r", "a", 1, true));
            // visible to an independent reader before close
            assertThat(Files.readAllLines(log)).hasSize(1);
        }
    }
}

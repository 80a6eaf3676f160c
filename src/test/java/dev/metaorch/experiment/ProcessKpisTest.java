package dev.metaorch.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 001's process KPIs beside velocity, on a tracker written by hand (worked example in the comments). */
class ProcessKpisTest {
    @TempDir
    Path results;

    private static String line(String run, String status, String start, String end) {
        return "{\"run_id\":\"" + run + "\",\"experiment_id\":\"e\",\"status\":\"" + status + "\",\"started_at\":\""
                + start + "\",\"updated_at\":\"" + end + "\"}\n";
    }

    @Test
    void autonomyAndBlockingTimeFromTheTracker() throws IOException {
        // r1 accepted 00:00-01:00, r2 inconclusive 00:30-02:00 (overlaps r1), r3 rejected 10:00-11:00;
        // at 20:00: 2 of 3 ended runs decided by the test; runs were waiting during 00:00-02:00 and
        // 10:00-11:00, 3 h of the 20 h since the first run = 0.15
        Files.writeString(results.resolve("experiments.jsonl"),
                line("r1", "running", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z")
                + line("r1", "accepted", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z")
                + line("r2", "inconclusive", "2026-12-01T00:30:00Z", "2026-12-01T02:00:00Z")
                + line("r3", "rejected", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"));
        ExperimentHistory h = ExperimentHistory.read(results);
        ExperimentHistory.Velocity v = h.velocity(Instant.parse("2026-12-01T20:00:00Z"));
        assertThat(v.autonomyRate()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(v.blockingTimeShare()).isCloseTo(0.15, within(1e-12));
    }

    @Test
    void noRunNoKpi() throws IOException {
        ExperimentHistory.Velocity v = ExperimentHistory.read(results).velocity(Instant.now());
        assertThat(v.autonomyRate()).isNull();
        assertThat(v.blockingTimeShare()).isNull();
    }
}

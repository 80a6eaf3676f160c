package dev.metaorch.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandAssert;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.serve.Fixtures;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RunStateSource: figures reconcile with the durable files; running, dead, aborted told apart. */
class RunStateSourceTest {
    @TempDir
    static Path results;

    @BeforeAll
    static void runs() {
        Fixtures.decided(results, "a", "configs/exp_042.json", 42);
    }

    @Test
    void decidedRunReconcilesWithResultJsonAndTheLog() throws Exception {
        RunState s = new RunStateSource(results, Clock.systemUTC()).state("a");
        JsonNode result = Json.mapper().readTree(Files.readString(results.resolve("runs/a/result.json")));
        assertThat(s.status()).isEqualTo(RunStatus.DECIDED);
        assertThat(s.decision()).isEqualTo(result.path("decision").asText());
        assertThat(s.rule().pairs()).isEqualTo(result.path("pairs").asLong());
        assertThat(s.rule().wins()).isEqualTo(result.path("wins").asLong());
        assertThat(s.rule().ties()).isEqualTo(result.path("ties").asLong());
        assertThat(s.rule().losses()).isEqualTo(result.path("losses").asLong());
        assertThat(s.rule().llr()).isEqualTo(result.path("llr").asDouble());
        assertThat(s.trace()).hasSize(result.path("trace").size());
        assertThat(s.arms().get(1).successRate()).isEqualTo(result.at("/arms/test/success_rate").asDouble());
        // spend and attempts: every line of the log, summed here independently
        List<String> lines = Files.readAllLines(results.resolve("runs/a/sessions.jsonl"));
        long nanos = 0;
        for (String l : lines) {
            nanos += new BigDecimal(Json.mapper().readTree(l).path("cost_usd").asText()).movePointRight(9)
                    .setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        }
        assertThat(s.figures().attempts()).isEqualTo(lines.size());
        assertThat(s.figures().spendNanoUsd()).isEqualTo(nanos);
        assertThat(s.figures().spendNanoUsd()).isEqualTo(result.path("spend_nano_usd").asLong());
        assertThat(s.resumeCommand()).isNull();
        assertThat(s.effect().biased()).isEqualTo(result.at("/effect/biased").asBoolean());
    }

    @Test
    void liveRunIsRunningWhileItsOwnerHoldsTheLockThenDeadThenAborted() throws Exception {
        List<String> lines = Fixtures.liveCopy(results, "a", "live");
        RunStateSource source = new RunStateSource(results, Clock.systemUTC());
        Process owner = Fixtures.holdLock(results, "live");
        try {
            Fixtures.append(results, "live", lines.subList(0, 10));
            RunState early = source.state("live");
            assertThat(early.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(early.statusReason()).contains("run.lock is held").contains("pid " + owner.pid());
            Fixtures.append(results, "live", lines.subList(10, lines.size() / 2));
            RunState later = source.state("live");
            assertThat(later.rule().pairs()).isGreaterThan(early.rule().pairs());
            assertThat(later.figures().attempts()).isEqualTo(lines.size() / 2);
            assertThat(later.decision()).isNull();
            assertThat(later.effect()).isNull();
        } finally {
            Fixtures.kill(owner);
        }
        RunState dead = source.state("live");
        assertThat(dead.status()).isEqualTo(RunStatus.DEAD);
        assertThat(dead.statusReason()).contains("run.lock is free");
        assertThat(dead.resumeCommand()).isEqualTo("metaorch run-experiment --resume live --results " + results);
        assertThat(dead.figures().inFlight()).isZero();
        // watch ends on a dead run with the resume command; --once --json prints snake_case on stdout
        CommandResult w = CommandResult.run("watch", "live", "--results", results.toString(), "--interval-ms", "10");
        CommandAssert.assertThat(w).exitedWith(1).outContains("run live is dead")
                .outContains("resume with: metaorch run-experiment --resume live --results " + results);
        CommandResult once = CommandResult.run("watch", "live", "--results", results.toString(), "--once", "--json");
        CommandAssert.assertThat(once).succeeded();
        JsonNode j = Json.mapper().readTree(once.out());
        assertThat(j.path("status").asText()).isEqualTo("dead");
        assertThat(j.at("/figures/spend_usd").isNumber()).isTrue();
        assertThat(j.path("resume_command").asText()).contains("--resume live");
        new ExperimentTracker(results).append(Json.object().put("run_id", "live").put("status", "aborted"));
        assertThat(source.state("live").status()).isEqualTo(RunStatus.ABORTED);
    }

    @Test
    void withoutALockFileAStaleLogMeansDead() throws Exception {
        List<String> lines = Fixtures.liveCopy(results, "a", "nolock");
        Fixtures.append(results, "nolock", lines.subList(0, 6));
        Path log = results.resolve("runs/nolock/sessions.jsonl");
        Instant grew = Instant.parse("2026-01-01T00:00:00Z");
        Files.setLastModifiedTime(log, FileTime.from(grew));
        RunState fresh = new RunStateSource(results, Clock.fixed(grew.plusSeconds(30), ZoneOffset.UTC)).state("nolock");
        assertThat(fresh.status()).isEqualTo(RunStatus.RUNNING);
        RunState stale = new RunStateSource(results, Clock.fixed(grew.plusSeconds(7200), ZoneOffset.UTC)).state("nolock");
        assertThat(stale.status()).isEqualTo(RunStatus.DEAD);
        assertThat(stale.statusReason()).contains("no lock file").contains("7200 s ago");
    }
}

package dev.metaorch.experiment;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunExperimentTest {
    @TempDir
    Path results;

    /** Keys that legitimately differ between runs with the same seed. */
    static final List<String> VOLATILE = List.of("run_id", "started_at", "ended_at", "wall_seconds", "sessions_launched",
            "spend_total_usd", "projection", "ledger", "spend_nano_usd", "attempts", "savings");

    static ObjectNode stable(JsonNode result) {
        ObjectNode copy = result.deepCopy();
        VOLATILE.forEach(copy::remove);
        for (String arm : List.of("control", "test")) {
            ObjectNode a = (ObjectNode) copy.path("arms").path(arm);
            a.remove("latency_ms_mean");
        }
        return copy;
    }

    private CommandResult run(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("run-experiment", "--control", "configs/baseline.json",
                "--test", "configs/exp_042.json", "--results", results.toString(), "--json", "--quiet"));
        args.addAll(List.of(extra));
        return CommandResult.run(args.toArray(String[]::new));
    }

    @Test
    void mainJobAcceptsThePlantedImprovementAndWritesTheContract() throws IOException {
        CommandResult r = run("--run-id", "main");
        assertThat(r).succeeded();
        JsonNode res = Json.mapper().readTree(r.out());
        assertThat(res.path("decision").asText()).isEqualTo("accept_h1");
        for (String key : List.of("run_id", "seed", "decision", "reason", "llr", "bounds", "pairs", "sessions_in_test",
                "spend_nano_usd", "ledger", "fixed_n", "savings", "trace", "arms", "infrastructure")) {
            assertThat(res.has(key)).as(key).isTrue();
        }
        assertThat(res.path("trace").size()).isEqualTo(res.path("pairs").asInt());
        assertThat(res.path("llr").asDouble()).isGreaterThanOrEqualTo(res.at("/bounds/upper").asDouble());
        assertThat(res.at("/arms/test/success_rate").asDouble()).isGreaterThan(res.at("/arms/control/success_rate").asDouble());
        assertThat(res.at("/arms/control/ci").size()).isEqualTo(2);
        assertThat(res.path("savings").asDouble()).isPositive();
        assertThat(res.at("/effect/biased").asBoolean()).isTrue();
        Path dir = results.resolve("runs/main");
        assertThat(Json.mapper().readTree(Files.readString(dir.resolve("result.json")))).isEqualTo(res);
        assertThat(dir.resolve("config.control.json")).exists();
        assertThat(dir.resolve("config.test.json")).exists();
        List<String> tracker = Files.readAllLines(results.resolve("experiments.jsonl"));
        assertThat(tracker).hasSize(2);
        assertThat(tracker.get(0)).contains("\"status\":\"running\"");
        assertThat(tracker.get(1)).contains("\"status\":\"accepted\"").contains("h_2024_01").contains("\"parent\":\"exp_041\"");
        assertThat(Files.readString(results.resolve("hashes.dict"))).contains("Check coupon limits first");
        long sessions = Files.readAllLines(dir.resolve("sessions.jsonl")).size();
        assertThat(sessions).isEqualTo(res.path("attempts").asLong()).isGreaterThanOrEqualTo(res.path("sessions_in_test").asLong());
    }

    @Test
    void sameSeedGivesTheSameResultAtConcurrencyOneAndSixteen() throws IOException {
        JsonNode one = Json.mapper().readTree(run("--concurrency", "1", "--seed", "11", "--run-id", "c1").out());
        JsonNode sixteen = Json.mapper().readTree(run("--concurrency", "16", "--seed", "11", "--run-id", "c16").out());
        assertThat(stable(sixteen)).isEqualTo(stable(one));
    }

    @Test
    void resumeAfterACrashReachesTheUninterruptedDecision() throws IOException {
        JsonNode golden = Json.mapper().readTree(run("--seed", "5", "--run-id", "golden").out());
        // simulate a crash: a second run, cut to its first 30 records plus a torn line, no result.json
        run("--seed", "5", "--run-id", "crashed");
        Path dir = results.resolve("runs/crashed");
        List<String> lines = Files.readAllLines(dir.resolve("sessions.jsonl"));
        Files.writeString(dir.resolve("sessions.jsonl"), String.join("\n", lines.subList(0, 30)) + "\n"
                + lines.get(30).substring(0, 40), StandardCharsets.UTF_8);
        Files.delete(dir.resolve("result.json"));
        CommandResult resumed = CommandResult.run("run-experiment", "--resume", "crashed", "--results", results.toString(),
                "--json", "--quiet");
        assertThat(resumed).succeeded().errContains("torn last line");
        assertThat(stable(Json.mapper().readTree(resumed.out()))).isEqualTo(stable(golden));
        // the 30 finished sessions were not run again
        List<String> after = Files.readAllLines(dir.resolve("sessions.jsonl"));
        assertThat(after.subList(0, 30)).isEqualTo(lines.subList(0, 30));
        long distinct = after.stream().map(l -> l.replaceAll(".*\"session_id\":\"([^\"]+)\".*\"attempt\":(\\d+).*", "$1#$2"))
                .distinct().count();
        assertThat(distinct).isEqualTo(after.size());
    }

    @Test
    void resumingOverACompleteHistoryRunsNoNewSession() throws IOException {
        JsonNode first = Json.mapper().readTree(run("--run-id", "full", "--seed", "8").out());
        Path dir = results.resolve("runs/full");
        long lines = Files.readAllLines(dir.resolve("sessions.jsonl")).size();
        Files.delete(dir.resolve("result.json"));
        CommandResult again = CommandResult.run("run-experiment", "--resume", "full", "--results", results.toString(),
                "--json", "--quiet");
        assertThat(again).succeeded();
        assertThat(stable(Json.mapper().readTree(again.out()))).isEqualTo(stable(first));
        assertThat(Files.readAllLines(dir.resolve("sessions.jsonl"))).hasSize((int) lines);
    }

    @Test
    void resumingAFinishedRunPrintsItsResult() throws IOException {
        JsonNode first = Json.mapper().readTree(run("--run-id", "done").out());
        CommandResult again = CommandResult.run("run-experiment", "--resume", "done", "--results", results.toString(),
                "--json", "--quiet");
        assertThat(again).succeeded();
        assertThat(Json.mapper().readTree(again.out())).isEqualTo(first);
    }

    @Test
    void budgetGateRefusesWithTheFiguresAndWritesNothing() {
        CommandResult r = run("--max-cost", "0.05");
        assertThat(r).exitedWith(2).errContains("budget: projected spend $").errContains("budget $0.05").noStackTrace();
        assertThat(results.resolve("runs")).doesNotExist();
        assertThat(run("--max-cost", "0.05", "--force", "--run-id", "forced")).succeeded();
    }

    @Test
    void spendCapEndsTheRunAsInconclusive() throws IOException {
        JsonNode r = Json.mapper().readTree(run("--max-cost", "0.1", "--force", "--run-id", "cap").out());
        assertThat(r.path("decision").asText()).isEqualTo("inconclusive");
        assertThat(r.path("reason").asText()).contains("budget");
    }

    @Test
    void fixedMethodRunsTheFixedDesign() throws IOException {
        JsonNode r = Json.mapper().readTree(run("--method", "fixed", "--run-id", "fixed").out());
        assertThat(r.path("pairs").asLong()).isEqualTo(r.path("fixed_n").asLong());
        assertThat(r.path("decision").asText()).isIn("accept_h1", "accept_h0");
    }

    @Test
    void identicalConfigsAreNotDeclaredDifferentOnThisSeed() throws IOException {
        CommandResult r = CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/baseline.json", "--results", results.toString(), "--json", "--quiet", "--seed", "3");
        assertThat(Json.mapper().readTree(r.out()).path("decision").asText()).isEqualTo("accept_h0");
    }

    @Test
    void processAgentsEndToEnd() throws IOException {
        CommandResult r = CommandResult.run("run-experiment", "--control", "configs/process/example-agent.json", "--test",
                "configs/process/example-agent-better.json", "--results", results.toString(), "--json", "--quiet",
                "--run-id", "proc");
        assertThat(r).succeeded();
        JsonNode res = Json.mapper().readTree(r.out());
        assertThat(res.path("decision").asText()).isEqualTo("accept_h1");
        try (var logs = Files.list(results.resolve("runs/proc/logs"))) {
            assertThat(logs.count()).isGreaterThan(0);
        }
    }

    @Test
    void badInputIsExitTwoWithoutStackTrace() {
        assertThat(CommandResult.run("run-experiment", "--resume", "nope", "--results", results.toString()))
                .exitedWith(2).errContains("no run with that id").noStackTrace();
        assertThat(CommandResult.run("run-experiment", "--resume", "../etc", "--results", results.toString()))
                .exitedWith(2).errContains("not a valid id");
        assertThat(CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--results", results.toString()))
                .exitedWith(2).errContains("Missing --control and --test");
        assertThat(run("--concurrency", "0")).exitedWith(2).errContains("--concurrency");
        assertThat(run("--set", "stopping.alpha=2")).exitedWith(2).errContains("/stopping/alpha: must be < 1");
    }

    @Test
    void experimentsListShowsLineageAndVelocity() throws IOException {
        run("--run-id", "e1");
        CommandResult list = CommandResult.run("experiments", "--results", results.toString());
        assertThat(list).succeeded().outContains("e1").outContains("accepted").outContains("velocity:");
        CommandResult show = CommandResult.run("experiments", "show", "exp_042", "--results", results.toString());
        assertThat(show).succeeded().outContains("lineage     exp_042 <- exp_041").outContains("e1");
    }

    @Test
    void watchReplaysTheRunToItsDecision() throws IOException {
        JsonNode res = Json.mapper().readTree(run("--run-id", "w").out());
        CommandResult w = CommandResult.run("watch", "w", "--results", results.toString(), "--json");
        assertThat(w).succeeded();
        JsonNode status = Json.mapper().readTree(w.out());
        assertThat(status.at("/status").asText()).isEqualTo("decided");
        assertThat(status.at("/rule/pairs").asLong()).isEqualTo(res.path("pairs").asLong());
        assertThat(status.at("/rule/wins").asLong()).isEqualTo(res.path("wins").asLong());
        assertThat(status.at("/rule/losses").asLong()).isEqualTo(res.path("losses").asLong());
        assertThat(status.at("/rule/llr").asDouble()).isEqualTo(res.path("llr").asDouble());
        assertThat(status.at("/figures/spend_usd").asDouble()).isEqualTo(res.path("spend_total_usd").asDouble(),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(status.at("/figures/attempts").asLong()).isGreaterThanOrEqualTo(res.path("sessions").asLong());
    }

    /** An agent that cannot start stops the run within seconds: exit 1, the reason, no decision and no saving. */
    @Test
    void aBrokenAgentTripsTheCircuitBreaker() throws IOException {
        Path cfg = results.resolve("broken.json");
        Files.writeString(cfg, "{\"schema_version\":1,\"experiment_id\":\"broken\",\"parent\":"
                + Json.line(Path.of("configs/process/example-agent.json").toAbsolutePath().toString())
                + ",\"params\":{\"command\":[\"python3\",\"/no/such/agent.py\"]},\"run\":{\"retries\":1}}");
        CommandResult r = CommandResult.run("run-experiment", "--control", cfg.toString(), "--test", cfg.toString(),
                "--results", results.toString(), "--run-id", "broken", "--force");
        assertThat(r).exitedWith(1).errContains("circuit breaker").errContains("10 consecutive sessions")
                .errContains("exited with code");
        assertThat(r.out()).contains("saving none").doesNotContain("accept_h");
        JsonNode res = Json.mapper().readTree(results.resolve("runs/broken/result.json").toFile());
        assertThat(res.path("stopped_by").asText()).isEqualTo("circuit_breaker");
        assertThat(res.has("savings")).isFalse();
        List<String> tracker = Files.readAllLines(results.resolve("experiments.jsonl"));
        assertThat(tracker.get(tracker.size() - 1)).contains("\"status\":\"aborted\"");
    }
}

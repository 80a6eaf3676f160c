package dev.metaorch.experiment;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.common.Money;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run-experiment --tasks discriminative} runs the selection guard on the excluded tasks
 * after an acceptance (ADR-135). The history labels the 8 coupon tasks of the store demo
 * discriminative (planted: one config fails them all, the other passes them all; every other
 * task has 5 of 10 successes in both); the test configs carry a guideline planted in a copy of
 * the demo suite: "Planted gain" adds 0.5 to the success probability of the coupon codes only,
 * "Planted trade-off" adds the same there and takes 0.6 from the seven other solvable codes.
 */
class SelectionGuardRunTest {
    static final Set<String> SELECTED_CODES = Set.of("coupon_limit", "coupon_stacking");
    static final List<String> REGRESSED_CODES = List.of("list_products", "single_purchase", "inventory_check",
            "pet_store_best_coupon", "bulk_discount", "gpu_race", "soda_pack_optimizer");

    @TempDir
    Path dir;

    Path results;

    @BeforeEach
    void setUp() throws IOException {
        results = dir.resolve("results");
        ObjectNode suite = (ObjectNode) Json.mapper().readTree(Path.of("configs/tasks/store-demo.json").toFile());
        ObjectNode guidelines = (ObjectNode) suite.path("simulation").path("guidelines");
        ObjectNode gain = guidelines.putObject("Planted gain").putObject("success");
        ObjectNode tradeOff = guidelines.putObject("Planted trade-off").putObject("success");
        SELECTED_CODES.forEach(c -> {
            gain.put(c, 0.5);
            tradeOff.put(c, 0.5);
        });
        REGRESSED_CODES.forEach(c -> tradeOff.put(c, -0.6));
        Files.writeString(dir.resolve("suite.json"), Json.mapper().writeValueAsString(suite));
        config("control", List.of());
        config("gain", List.of("Planted gain"));
        config("tradeoff", List.of("Planted trade-off"));
        config("same", List.of());
        history((ArrayNode) suite.path("tasks"));
    }

    private void config(String id, List<String> guidelines) throws IOException {
        ObjectNode c = Json.object();
        c.put("schema_version", 1).put("experiment_id", id).put("variant", "simulated").put("model_id", "gpt-4o-mini");
        c.set("guidelines", Json.tree(guidelines));
        c.putObject("params").put("reject_impossible", 0.1);
        c.put("tasks", "suite.json");
        c.putObject("run").put("max_sessions", 600).put("max_cost_usd", 5.0).put("concurrency", 8).put("timeout_s", 300)
                .put("retries", 2).put("seed", 42);
        c.putObject("stopping").put("method", "sprt").put("metric", "success").put("alpha", 0.05).put("beta", 0.10)
                .put("min_effect", 0.15).put("design", "paired").put("discordance", 0.38);
        Files.writeString(dir.resolve(id + ".json"), Json.mapper().writeValueAsString(c));
    }

    /** Two configs x 10 sessions per task: the coupon tasks 0/10 against 10/10, every other task 5/10 in both. */
    private void history(ArrayNode tasks) throws IOException {
        StringBuilder log = new StringBuilder();
        int n = 0;
        for (JsonNode t : tasks) {
            boolean planted = SELECTED_CODES.contains(t.path("code").asText());
            for (String config : List.of("h1", "h2")) {
                for (int s = 0; s < 10; s++) {
                    boolean success = planted ? config.equals("h2") : s < 5;
                    String id = t.path("id").asText();
                    SessionRecord r = new SessionRecord(SessionRecord.SCHEMA, "history/" + config + "/" + n++, "history",
                            config, config, "h-" + config, "simulated", "gpt-4o-mini",
                            new SessionRecord.TaskRef(id, id, t.path("code").asText(), t.path("solvable").asBoolean(true),
                                    t.path("optimal_steps").asInt()), n, 0, n, 1, "2026-01-01T00:00:00Z",
                            "2026-01-01T00:00:01Z", 1000, success ? Outcome.SUCCESS : Outcome.FAILURE, success, null,
                            SessionRecord.Tokens.of(1000, 100, 0), 1, 0.001, "v1", 3, List.of(), null, Json.object());
                    log.append(Json.mapper().writeValueAsString(r)).append('\n');
                }
            }
        }
        Path runDir = results.resolve("runs/history");
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve("sessions.jsonl"), log.toString());
    }

    private CommandResult run(String test, String runId, String... extra) {
        List<String> args = new ArrayList<>(List.of("run-experiment", "--control", dir.resolve("control.json").toString(),
                "--test", dir.resolve(test + ".json").toString(), "--results", results.toString(), "--tasks",
                "discriminative", "--run-id", runId, "--quiet"));
        args.addAll(List.of(extra));
        return CommandResult.run(args.toArray(String[]::new));
    }

    private JsonNode result(String runId) throws IOException {
        return Json.mapper().readTree(results.resolve("runs").resolve(runId).resolve("result.json").toFile());
    }

    private List<JsonNode> log(String runId) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(results.resolve("runs").resolve(runId).resolve("sessions.jsonl"))) {
            out.add(Json.mapper().readTree(line));
        }
        return out;
    }

    @Test
    void aGainOnTheSelectedTasksOnlyPassesTheGuard() throws IOException {
        CommandResult r = run("gain", "gain");
        assertThat(r).succeeded().errContains("guard: 28 pairs on the 40 excluded tasks");
        JsonNode res = result("gain");
        assertThat(res.path("decision").asText()).isEqualTo("accept_h1");
        assertThat(res.at("/task_selection/selected").asInt()).isEqualTo(8);
        JsonNode g = res.path("guard");
        assertThat(g.path("ran").asBoolean()).isTrue();
        assertThat(g.path("regression").asBoolean()).isFalse();
        assertThat(g.path("pairs").asLong()).isEqualTo(28);
        assertThat(g.path("wins").asLong() + g.path("ties").asLong() + g.path("losses").asLong()).isEqualTo(28);
        assertThat(g.path("p_value").asDouble()).isGreaterThanOrEqualTo(0.05);
        assertThat(g.path("excluded_tasks").asInt()).isEqualTo(40);
        assertThat(res.path("hypothesis_verdict").asText()).isEqualTo("accepted");
        assertThat(r.out()).containsPattern("guard      28 pairs on the 40 excluded tasks: W/T/L \\d+/\\d+/\\d+, "
                + "no regression detected \\(p \\d\\.\\d\\d\\d; \\$");

        // the guard's 56 sessions are in the log, on excluded tasks, under pairs -1..-28; the main test never saw them
        List<JsonNode> log = log("gain");
        Set<String> excluded = new HashSet<>();
        res.at("/task_selection/excluded_task_ids").forEach(n -> excluded.add(n.asText()));
        List<JsonNode> guard = log.stream().filter(l -> l.path("pair").asLong() < 0).toList();
        assertThat(guard).hasSize(56);
        assertThat(guard).allSatisfy(l -> {
            assertThat(excluded).contains(l.at("/task/id").asText());
            assertThat(l.path("pair").asLong()).isBetween(-28L, -1L);
        });
        long mainSessions = log.stream().filter(l -> l.path("pair").asLong() >= 0).map(l -> l.path("session_id").asText())
                .distinct().count();
        assertThat(res.path("sessions_in_test").asLong()).isEqualTo(2 * res.path("pairs").asLong())
                .isLessThanOrEqualTo(mainSessions);
        assertThat(res.path("trace").size()).isEqualTo(res.path("pairs").asInt());
        assertThat(res.at("/arms/control/sessions").asLong()).isEqualTo(res.path("pairs").asLong());
        // the guard's pairs are no overrun of the main test
        long beyond = log.stream().filter(l -> l.path("pair").asLong() > res.at("/ledger/beyond_decision/deciding_pair")
                .asLong()).count();
        assertThat(res.at("/ledger/beyond_decision/attempts").asLong()).isEqualTo(beyond);
        List<String> tracker = Files.readAllLines(results.resolve("experiments.jsonl"));
        assertThat(tracker.get(tracker.size() - 1)).contains("\"status\":\"accepted\"").contains("\"guard\":\"no_regression\"")
                .contains("\"tasks_selected\":8").contains("\"tasks_suite\":48");
    }

    @Test
    void aConfigWorseOnTheExcludedTasksIsCaughtAndNotAcceptedForTheSuite() throws IOException {
        CommandResult r = run("tradeoff", "tradeoff");
        assertThat(r).succeeded();
        JsonNode res = result("tradeoff");
        // the main test on the 8 selected tasks still finds the gain there...
        assertThat(res.path("decision").asText()).isEqualTo("accept_h1");
        assertThat(res.path("effect_scope").asText()).startsWith("on 8 selected tasks");
        // ...and the guard finds the drop on the 40 others
        JsonNode g = res.path("guard");
        assertThat(g.path("ran").asBoolean()).isTrue();
        assertThat(g.path("regression").asBoolean()).isTrue();
        assertThat(g.path("losses").asLong()).isGreaterThan(g.path("wins").asLong());
        assertThat(g.path("p_value").asDouble()).isLessThan(0.05);
        assertThat(g.path("success_difference").asDouble()).isNegative();
        assertThat(res.path("hypothesis_verdict").asText()).startsWith("rejected:")
                .contains("worse on the excluded tasks").doesNotContain("accepted");
        assertThat(r.out()).contains("hypothesis rejected:")
                .contains("REGRESSION: the test config is worse on the excluded tasks; do not accept it for the whole suite");
        List<String> tracker = Files.readAllLines(results.resolve("experiments.jsonl"));
        assertThat(tracker.get(tracker.size() - 1)).contains("\"status\":\"rejected\"").contains("\"guard\":\"regression\"");
    }

    @Test
    void noAcceptanceNoGuard() throws IOException {
        assertThat(run("same", "same", "--max-sessions", "120")).succeeded();
        JsonNode res = result("same");
        assertThat(res.path("decision").asText()).isNotEqualTo("accept_h1");
        assertThat(res.at("/guard/ran").asBoolean(true)).isFalse();
        assertThat(res.at("/guard/reason").asText()).startsWith("the main test did not find the test config better");
        assertThat(log("same")).noneMatch(l -> l.path("pair").asLong() < 0);
    }

    /** The guard goes through the run's budget gate: a cap it would pass stops it, and the win is not claimed. */
    @Test
    void theGuardStopsAtTheRunsCostCap() throws IOException {
        CommandResult r = run("gain", "capped", "--max-cost", "0.45", "--force");
        assertThat(r).succeeded();
        JsonNode res = result("capped");
        assertThat(res.path("decision").asText()).isEqualTo("accept_h1");
        // ADR-019: spend passes the cap only by what attempts in flight cost beyond their reservations,
        // which are the dearest attempt seen so far; the guard's tasks can hold a dearer one
        long dearest = log("capped").stream().mapToLong(l -> l.path("cost_usd").decimalValue().movePointRight(9)
                .longValueExact()).max().orElseThrow();
        assertThat(res.path("spend_nano_usd").asLong()).isLessThanOrEqualTo(Money.nanos(0.45) + dearest);
        JsonNode g = res.path("guard");
        assertThat(g.path("ran").asBoolean(true)).isFalse();
        assertThat(g.path("reason").asText()).startsWith("budget: ").contains("of 28 guard pairs done");
        assertThat(g.path("pairs_done").asLong()).isBetween(1L, 27L);
        assertThat(res.path("hypothesis_verdict").asText()).startsWith("inconclusive:").contains("did not finish (budget)");
        assertThat(r.out()).contains("guard      did not finish on the excluded tasks: budget: ");
    }

    /** The result's spend is the log's, guard sessions included; the guard's own spend is the log's guard lines. */
    @Test
    void theLedgerReconcilesWithTheLogIncludingTheGuard() throws IOException {
        CommandResult r = run("gain", "ledger");
        assertThat(r).succeeded();
        JsonNode res = result("ledger");
        long all = 0;
        long guard = 0;
        long guardAttempts = 0;
        List<JsonNode> log = log("ledger");
        for (JsonNode l : log) {
            long nanos = l.path("cost_usd").decimalValue().movePointRight(9).longValueExact();
            all += nanos;
            if (l.path("pair").asLong() < 0) {
                guard += nanos;
                guardAttempts++;
            }
        }
        assertThat(guard).isPositive();
        assertThat(res.path("spend_nano_usd").asLong()).isEqualTo(all);
        assertThat(res.at("/ledger/spend_nano_usd").asLong()).isEqualTo(all);
        assertThat(res.at("/ledger/attempts").asLong()).isEqualTo(log.size());
        assertThat(res.at("/guard/spend_nano_usd").asLong()).isEqualTo(guard);
        assertThat(res.at("/guard/attempts").asLong()).isEqualTo(guardAttempts);
        long perArm = res.at("/ledger/arms/control/spend_nano_usd").asLong() + res.at("/ledger/arms/test/spend_nano_usd").asLong();
        assertThat(perArm).isEqualTo(all);
        assertThat(r.out()).contains("spend      " + Money.format(all) + " of cap ");
        // the saving compares the main test with its fixed design: guard attempts are not in it
        double saving = 1 - (double) (log.size() - guardAttempts) / (2 * res.path("fixed_n").asLong());
        assertThat(res.path("savings").asDouble()).isEqualTo(saving);
        // the projection printed before the run counted the guard's sessions
        assertThat(res.at("/projection/guard_sessions").asLong()).isEqualTo(56);
        assertThat(r.err()).contains("the guard's 56 sessions on the excluded tasks included");
        // and so does the tracker's velocity figure: sessions saved = 2 x fixed n - the main test's attempts
        String line = Files.readAllLines(results.resolve("experiments.jsonl")).get(1);
        assertThat(line).contains("\"guard_attempts\":" + guardAttempts);
        var tracked = ExperimentHistory.read(results).runs().stream().filter(t -> t.runId().equals("ledger")).findFirst()
                .orElseThrow();
        assertThat(tracked.sessionsSaved()).isEqualTo(2 * res.path("fixed_n").asLong() - (log.size() - guardAttempts));
    }

    @Test
    void resumeDoesNotRunLoggedGuardSessionsAgain() throws IOException {
        assertThat(run("gain", "cut", "--seed", "9")).succeeded();
        JsonNode golden = result("cut");
        Path runDir = results.resolve("runs/cut");
        List<String> lines = Files.readAllLines(runDir.resolve("sessions.jsonl"));
        int firstGuard = 0;
        while (Json.mapper().readTree(lines.get(firstGuard)).path("pair").asLong() >= 0) {
            firstGuard++;
        }
        // a crash in the middle of the guard: its first 20 lines are kept
        List<String> kept = lines.subList(0, firstGuard + 20);
        Files.writeString(runDir.resolve("sessions.jsonl"), String.join("\n", kept) + "\n", StandardCharsets.UTF_8);
        Files.delete(runDir.resolve("result.json"));
        CommandResult resumed = CommandResult.run("run-experiment", "--resume", "cut", "--results", results.toString(),
                "--json", "--quiet");
        assertThat(resumed).succeeded();
        JsonNode res = Json.mapper().readTree(resumed.out());
        for (String key : List.of("decision", "pairs", "wins", "ties", "losses", "trace")) {
            assertThat(res.path(key)).as(key).isEqualTo(golden.path(key));
        }
        for (String key : List.of("pairs", "wins", "ties", "losses", "p_value", "regression")) {
            assertThat(res.path("guard").path(key)).as("guard " + key).isEqualTo(golden.path("guard").path(key));
        }
        List<String> after = Files.readAllLines(runDir.resolve("sessions.jsonl"));
        assertThat(after.subList(0, kept.size())).isEqualTo(kept);
        assertThat(after.stream().filter(l -> l.contains("\"pair\":-")).count()).isEqualTo(56);
        long distinct = after.stream().map(l -> l.replaceAll(".*\"session_id\":\"([^\"]+)\".*\"attempt\":(\\d+).*", "$1#$2"))
                .distinct().count();
        assertThat(distinct).isEqualTo(after.size());
    }
}

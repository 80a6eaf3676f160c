package dev.metaorch.runner;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubTest {
    @TempDir
    Path results;

    @Test
    void defaultHubRanksAtLeastThreeVariantsAndWritesLatestRun() throws IOException {
        CommandResult r = CommandResult.run("run", "--results", results.toString(), "--quiet");
        assertThat(r).succeeded().outContains("rank").outContains("caching-mini").outContains("thorough-4o");
        JsonNode latest = Json.mapper().readTree(Files.readString(results.resolve("latest_run.json")));
        assertThat(latest.path("ranking").size()).isGreaterThanOrEqualTo(3);
        JsonNode first = latest.path("variants").path(latest.path("ranking").get(0).asText());
        for (String key : List.of("success_rate", "ci", "tokens_mean", "cost_per_session", "latency_ms_mean",
                "latency_ms_p90", "autonomy_rate", "score")) {
            assertThat(first.has(key)).as(key).isTrue();
        }
        // the caching agent is cheaper than exp_042 with the same success model: it must hit its cache
        assertThat(latest.at("/variants/caching-mini/cost_per_session").asDouble())
                .isLessThan(latest.at("/variants/exp_042/cost_per_session").asDouble());
        assertThat(latest.has("top_two")).isTrue();
    }

    private static List<String> sessions(Path results, String runId) throws IOException {
        return Files.readAllLines(results.resolve("runs").resolve(runId).resolve("sessions.jsonl")).stream().map(l -> {
            try {
                ObjectNode n = (ObjectNode) Json.mapper().readTree(l);
                n.remove("started_at");
                n.remove("ended_at");
                n.remove("run_id");
                n.put("session_id", n.path("session_id").asText().replaceFirst("^[^/]+/", ""));
                return n.toString();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).sorted().collect(Collectors.toList());
    }

    @Test
    void sameSeedSameSessionsAtConcurrencyOneAndEight() throws IOException {
        assertThat(CommandResult.run("run", "--results", results.toString(), "--concurrency", "1", "--run-id", "a",
                "--quiet")).succeeded();
        assertThat(CommandResult.run("run", "--results", results.toString(), "--concurrency", "8", "--run-id", "b",
                "--quiet")).succeeded();
        assertThat(sessions(results, "b")).isEqualTo(sessions(results, "a"));
        JsonNode a = Json.mapper().readTree(Files.readString(results.resolve("runs/a/result.json")));
        JsonNode b = Json.mapper().readTree(Files.readString(results.resolve("runs/b/result.json")));
        assertThat(b.path("variants")).isEqualTo(a.path("variants"));
        assertThat(b.path("ranking")).isEqualTo(a.path("ranking"));
    }

    @Test
    void cachingAgentReportsItsCacheStatistics() throws IOException {
        CommandResult.run("run", "--results", results.toString(), "--variants", "hub/caching.json", "--sessions", "30",
                "--run-id", "c", "--quiet");
        List<String> lines = Files.readAllLines(results.resolve("runs/c/sessions.jsonl"));
        JsonNode last = Json.mapper().readTree(lines.get(lines.size() - 1));
        assertThat(last.at("/metrics/cache_hits").asInt()).isPositive();
        long hits = last.at("/metrics/cache_hits").asLong();
        long misses = last.at("/metrics/cache_misses").asLong();
        assertThat(last.at("/metrics/cache_hit_rate").asDouble()).isEqualTo((double) hits / (hits + misses));
    }

    @Test
    void spendIsBoundedBeforeAndDuringTheRun() throws IOException {
        CommandResult refused = CommandResult.run("run", "--results", results.toString(), "--variants", "baseline,exp_042",
                "--sessions", "10000", "--quiet");
        assertThat(refused).exitedWith(2).errContains("budget: projected spend $").errContains("budget $25.00");
        assertThat(results.resolve("runs")).doesNotExist();
        CommandResult capped = CommandResult.run("run", "--results", results.toString(), "--variants", "baseline,exp_042",
                "--sessions", "5000", "--max-cost", "1", "--force", "--quiet", "--json");
        assertThat(capped).succeeded().errContains("budget: stopped after");
        JsonNode r = Json.mapper().readTree(capped.out());
        assertThat(r.path("stopped_by_budget").asBoolean()).isTrue();
        // a session is launched only when its reservation (the dearest attempt seen) fits under the cap:
        // spend ends within one attempt's overrun above the cap, and at most 8 reservations below it
        long cap = 1_000_000_000L;
        long spend = r.path("spend_nano_usd").asLong();
        long dearest = dearestAttempt(results, r.path("run_id").asText());
        assertThat(spend).isEqualTo(sumOfLog(results, r.path("run_id").asText()));
        assertThat(spend).isLessThanOrEqualTo(cap + dearest).isGreaterThan(cap - 8 * dearest);
    }

    static long sumOfLog(Path results, String runId) throws IOException {
        long sum = 0;
        for (String line : Files.readAllLines(results.resolve("runs").resolve(runId).resolve("sessions.jsonl"))) {
            sum += dev.metaorch.common.Money.nanos(Json.mapper().readTree(line).path("cost_usd").decimalValue());
        }
        return sum;
    }

    static long dearestAttempt(Path results, String runId) throws IOException {
        long max = 0;
        for (String line : Files.readAllLines(results.resolve("runs").resolve(runId).resolve("sessions.jsonl"))) {
            max = Math.max(max, dev.metaorch.common.Money.nanos(Json.mapper().readTree(line).path("cost_usd").decimalValue()));
        }
        return max;
    }

    /**
     * A hub run cut short (its log truncated, no result: what a kill -9 leaves) resumes from its own
     * snapshot to the figures of an undisturbed run, running none of the logged sessions again.
     */
    @Test
    void anInterruptedHubRunResumesToTheUndisturbedResult() throws IOException {
        String[] common = {"run", "--results", results.toString(), "--variants", "baseline,exp_042", "--sessions", "60",
            "--quiet", "--json"};
        CommandResult golden = CommandResult.run(concat(common, "--run-id", "golden"));
        assertThat(golden).succeeded();
        assertThat(CommandResult.run(concat(common, "--run-id", "cut"))).succeeded();
        Path log = results.resolve("runs/cut/sessions.jsonl");
        List<String> lines = Files.readAllLines(log);
        Files.write(log, lines.subList(0, 25));
        Files.delete(results.resolve("runs/cut/result.json"));
        CommandResult resumed = CommandResult.run("run", "--resume", "cut", "--results", results.toString(), "--quiet",
                "--json");
        assertThat(resumed).succeeded();
        JsonNode a = Json.mapper().readTree(golden.out());
        JsonNode b = Json.mapper().readTree(resumed.out());
        assertThat(b.path("ranking")).isEqualTo(a.path("ranking"));
        for (String v : List.of("baseline", "exp_042")) {
            assertThat(b.at("/variants/" + v + "/sessions").asLong()).isEqualTo(a.at("/variants/" + v + "/sessions").asLong());
            assertThat(b.at("/variants/" + v + "/successes").asLong()).isEqualTo(a.at("/variants/" + v + "/successes").asLong());
        }
        List<String> after = Files.readAllLines(log);
        assertThat(after.subList(0, 25)).isEqualTo(lines.subList(0, 25));
        assertThat(after).hasSize(lines.size());
        assertThat(b.path("spend_nano_usd").asLong()).isEqualTo(sumOfLog(results, "cut"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

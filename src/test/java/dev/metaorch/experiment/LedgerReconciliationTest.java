package dev.metaorch.experiment;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.common.Money;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every view of a run shows the figures of its log: the summary, result.json, the tracker,
 * watch, experiments and analyze, to the nano-dollar, at any concurrency and with failed retries
 * (issue "Every dollar and every session accounted"). The log is summed here independently, from
 * its decimal cost_usd fields.
 */
class LedgerReconciliationTest {
    @TempDir
    Path results;

    static Stream<Arguments> runs() {
        return Stream.of(Arguments.of("c1", List.of("--concurrency", "1")),
                Arguments.of("c8", List.of("--concurrency", "8")),
                Arguments.of("c64", List.of("--concurrency", "64", "--seed", "7")),
                Arguments.of("retries", List.of("--set", "params.error_rate=0.5", "--set", "run.retries=1",
                        "--set", "run.circuit_breaker=0")));
    }

    /** What the log holds: exact spend, attempt lines and distinct sessions, summed independently. */
    record LogSum(long nanos, long attempts, long sessions, long retried) {
    }

    static LogSum sum(Path log) throws IOException {
        long nanos = 0;
        long retried = 0;
        Set<String> sessions = new HashSet<>();
        List<String> lines = Files.readAllLines(log);
        for (String line : lines) {
            JsonNode r = Json.mapper().readTree(line);
            nanos += r.path("cost_usd").decimalValue().movePointRight(9).longValueExact();
            sessions.add(r.path("session_id").asText());
            retried += r.path("attempt").asInt() > 1 ? 1 : 0;
        }
        return new LogSum(nanos, lines.size(), sessions.size(), retried);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void everyViewShowsTheLogsFigures(String id, List<String> extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/exp_042.json", "--results", results.toString(), "--quiet", "--run-id", id));
        args.addAll(extra);
        CommandResult run = CommandResult.run(args.toArray(String[]::new));
        assertThat(run).succeeded();
        LogSum log = sum(results.resolve("runs").resolve(id).resolve("sessions.jsonl"));
        if (id.equals("retries")) {
            assertThat(log.retried()).as("failed attempts were retried and logged").isPositive();
        }
        // the summary
        assertThat(run.out()).contains("spend      " + Money.format(log.nanos()) + " of cap ")
                .contains(log.attempts() + " attempts of " + log.sessions() + " sessions");
        // result.json
        JsonNode result = Json.mapper().readTree(results.resolve("runs").resolve(id).resolve("result.json").toFile());
        assertThat(result.path("spend_nano_usd").asLong()).isEqualTo(log.nanos());
        assertThat(result.at("/ledger/spend_nano_usd").asLong()).isEqualTo(log.nanos());
        assertThat(result.at("/ledger/attempts").asLong()).isEqualTo(log.attempts());
        assertThat(result.path("sessions_launched").asLong()).isEqualTo(log.sessions());
        long perArm = 0;
        for (JsonNode arm : result.at("/ledger/arms")) {
            perArm += arm.path("spend_nano_usd").asLong();
        }
        assertThat(perArm).isEqualTo(log.nanos());
        // the tracker's final line, and experiments --json
        List<String> tracker = Files.readAllLines(results.resolve("experiments.jsonl"));
        JsonNode last = Json.mapper().readTree(tracker.get(tracker.size() - 1));
        assertThat(last.path("spend_nano_usd").asLong()).isEqualTo(log.nanos());
        assertThat(last.path("attempts").asLong()).isEqualTo(log.attempts());
        assertThat(last.path("sessions").asLong()).isEqualTo(log.sessions());
        // watch
        CommandResult watch = CommandResult.run("watch", id, "--results", results.toString(), "--json");
        assertThat(watch).succeeded();
        JsonNode status = Json.mapper().readTree(watch.out());
        assertThat(status.at("/figures/spend_nano_usd").asLong()).isEqualTo(log.nanos());
        assertThat(status.at("/figures/spend_usd").asDouble()).isEqualTo(Money.usd(log.nanos()));
        assertThat(status.at("/rule/pairs").asLong()).isEqualTo(result.path("pairs").asLong());
        // analyze
        CommandResult analyze = CommandResult.run("analyze", id, "--results", results.toString(), "--json");
        assertThat(analyze).succeeded();
        JsonNode a = Json.mapper().readTree(analyze.out());
        assertThat(a.at("/ledger/spend_nano_usd").asLong()).isEqualTo(log.nanos());
        assertThat(a.at("/ledger/attempts").asLong()).isEqualTo(log.attempts());
        // the saving compares attempts paid with the fixed design's sessions
        long fixedN = result.path("fixed_n").asLong();
        assertThat(result.path("savings").asDouble()).isEqualTo(1 - (double) log.attempts() / (2 * fixedN));
    }
}

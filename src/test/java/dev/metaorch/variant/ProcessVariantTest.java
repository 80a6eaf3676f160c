package dev.metaorch.variant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.Outcome;
import dev.metaorch.variant.builtin.ProcessVariantProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The process variant against scripts/example_agent.py, well-behaved and faulty. */
class ProcessVariantTest {
    @TempDir
    Path dir;

    private SessionResult run(String fault, double timeoutS, List<String> extraSets) throws Exception {
        List<String> sets = new java.util.ArrayList<>(List.of("params.fault=" + fault, "params.flood_mb=50"));
        sets.addAll(extraSets);
        ResolvedConfig config = new ConfigLoader().load(Path.of("configs/process/example-agent.json"), sets);
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        Task task = suite.tasks().get(8);
        Variant v = new ProcessVariantProvider().create(new VariantContext("test", config, suite,
                PriceTable.load(Path.of("configs/prices.json")), dir));
        return v.run(new SessionRequest("run/test/0", 0, task, config, 42, 1, Instant.now().plusMillis((long) (timeoutS * 1000)),
                new Cancellation(), new SessionRequest.Limits(timeoutS, 30, 1.0), dir.resolve("agent.stderr.log")));
    }

    @Test
    void wellBehavedAgentReportsTokensAndMetaorchPricesThem() throws Exception {
        SessionResult r = run("none", 20, List.of());
        assertThat(r.outcome()).isIn(Outcome.SUCCESS, Outcome.FAILURE);
        assertThat(r.llmCalls()).isPositive();
        assertThat(r.steps()).isEqualTo(r.llmCalls());
        assertThat(r.tokens().prompt()).isPositive();
        // gpt-4o-mini prices from configs/prices.json
        double expected = ((r.tokens().prompt() - r.tokens().cachedPrompt()) * 0.15 + r.tokens().cachedPrompt() * 0.075
                + r.tokens().completion() * 0.60) / 1e6;
        assertThat(r.costUsd()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Files.readString(dir.resolve("agent.stderr.log"))).contains("session run/test/0");
    }

    @ParameterizedTest
    @CsvSource({
        "crash, error, exited with code 1",
        "exit3, error, exited with code 3",
        "garbage, error, line 1: malformed JSON",
        "noresult, error, without a result",
        "flood, error, exceeded the cap",
    })
    void faultyAgentsBecomeOutcomes(String fault, String outcome, String reason) throws Exception {
        SessionResult r = run(fault, 20, List.of("params.output_cap_bytes=1000000"));
        assertThat(r.outcome().label()).isEqualTo(outcome);
        assertThat(r.error().message()).contains(reason);
    }

    @Test
    void hangingAgentTimesOutAndItsProcessTreeIsKilled() throws Exception {
        long start = System.nanoTime();
        SessionResult r = run("hang", 1.0, List.of());
        assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(r.error().message()).contains("killed");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(8);
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().orElse("").contains("example_agent.py")).count()).isZero();
    }
}

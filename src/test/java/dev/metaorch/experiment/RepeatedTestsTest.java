package dev.metaorch.experiment;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepeatedTestsTest {
    static ObjectNode run(String id, String status, String control, String test, Double alpha, Double beta) {
        ObjectNode o = Json.object().put("run_id", id).put("status", status).put("control_hash", control)
                .put("config_hash", test);
        if (alpha != null) {
            o.put("alpha", alpha).put("beta", beta);
        }
        return o;
    }

    /**
     * Worked example: 20 decided tests, 6 accepted, alpha 0.05, power 0.9. pi0 solves
     * 6/20 = 0.05 pi0 + 0.9 (1 - pi0): pi0 = (0.9 - 0.3) / (0.9 - 0.05) = 0.705882; expected false
     * acceptances = 0.705882 x 20 x 0.05 = 0.705882.
     */
    @Test
    void expectedFalseAcceptancesByArithmetic() {
        List<ObjectNode> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            runs.add(run("r" + i, i < 6 ? "accepted" : "rejected", "c", "t" + i, 0.05, 0.10));
        }
        runs.add(run("live", "running", "c", "t0", 0.05, 0.10));
        RepeatedTests.Estimate e = RepeatedTests.estimate(runs);
        assertThat(e.decided()).isEqualTo(20);
        assertThat(e.accepted()).isEqualTo(6);
        assertThat(e.nullShare()).isCloseTo(0.6 / 0.85, within(1e-12));
        assertThat(e.expectedFalse()).isCloseTo(0.6 / 0.85, within(1e-12));
        assertThat(e.ratesAssumed()).isFalse();
        assertThat(e.repeatedPairs()).isEqualTo(1);
        assertThat(e.label()).startsWith("expected false acceptances (arithmetic, not a measurement): 0.7 of 6 accepted");
        // more acceptances than power allows: every test taken as real (pi0 = 0), none expected false
        runs.replaceAll(r -> r.put("status", "accepted"));
        assertThat(RepeatedTests.estimate(runs).expectedFalse()).isZero();
        // nothing recorded about alpha and power: defaults, and the label says so
        assertThat(RepeatedTests.estimate(List.of(run("x", "rejected", "c", "t", null, null))).label())
                .contains("assumed");
    }

    @Test
    void aRepeatedPairIsNamedWithItsEarlierRuns() {
        List<ObjectNode> runs = List.of(run("a", "accepted", "c1", "t1", 0.05, 0.1).put("decision", "accept_h1"),
                run("b", "rejected", "c1", "t2", 0.05, 0.1), run("now", "running", "c1", "t1", 0.05, 0.1));
        assertThat(RepeatedTests.warning(runs, "c1", "t1", "now")).hasValueSatisfying(w -> assertThat(w)
                .startsWith("control config c1 vs test config t1 was tested 1 time before: a (accept_h1);"));
        assertThat(RepeatedTests.warning(runs, "c1", "t3", "now")).isEmpty();
    }

    @TempDir
    Path results;

    @Test
    void runExperimentWarnsOnTheSecondRunOfTheSamePairAndExperimentsShowsTheEstimate() {
        String[] args = {"run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
            "--results", results.toString(), "--quiet"};
        CommandResult first = CommandResult.run(args);
        assertThat(first).succeeded();
        assertThat(first.err()).doesNotContain("tested 1 time before");
        assertThat(CommandResult.run(args)).succeeded().errContains("was tested 1 time before");
        CommandResult list = CommandResult.run("experiments", "--results", results.toString());
        assertThat(list).succeeded().outContains("expected false acceptances (arithmetic, not a measurement)")
                .outContains("1 config pair tested more than once");
        // the tracker records each decided run's alpha and beta, so nothing is assumed
        assertThat(list.out()).doesNotContain("assumed");
    }
}

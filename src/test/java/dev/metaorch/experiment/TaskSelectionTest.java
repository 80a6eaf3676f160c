package dev.metaorch.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.metaorch.analysis.TaskClusters;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.Task;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TaskSelectionTest {
    static SessionRecord session(String config, String task, boolean success) {
        return new SessionRecord(SessionRecord.SCHEMA, "r/" + config + "/" + task, "r", config, config, "h", "simulated",
                "m", new SessionRecord.TaskRef(task, task, task, true, 3), 0, 0, 0, 1, "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:01Z", 1000, success ? Outcome.SUCCESS : Outcome.FAILURE, success, null,
                SessionRecord.Tokens.of(1000, 100, 0), 1, 0.001, "v1", 3, List.of(), null, Json.object());
    }

    /** A history of 48 tasks x 5 configs x 10 sessions; tasks below {@code planted} differ by config. */
    static TaskClusters history(SplittableRandom rnd, int planted) {
        TaskClusters c = new TaskClusters(TaskClusters.Thresholds.DEFAULT);
        for (int t = 0; t < 48; t++) {
            double p = rnd.nextDouble(0.3, 0.7);
            for (int k = 0; k < 5; k++) {
                double pk = t < planted ? (k < 2 ? 0.1 : 0.9) : p;
                for (int s = 0; s < 10; s++) {
                    c.accept(session("c" + k, "t" + t, rnd.nextDouble() < pk));
                }
            }
        }
        return c;
    }

    /**
     * Seeded Monte Carlo, 400 histories in which no task discriminates (every config has the same
     * success probability on a task): with Benjamini–Hochberg the chance that any task is labelled
     * discriminative is at most the FDR (under the complete null FDR = FWER), 0.05; tolerance 2 MC
     * standard errors (sqrt(0.05 x 0.95 / 400) = 0.0109). The uncorrected rule labelled about
     * alpha x the tests (here ~2 tasks per history) by chance.
     */
    @Test
    void underTheNullAlmostNoHistoryLabelsAnyTaskDiscriminative() {
        SplittableRandom rnd = new SplittableRandom(132);
        int any = 0;
        int runs = 400;
        for (int i = 0; i < runs; i++) {
            any += history(rnd, 0).tasksLabelled("discriminative").isEmpty() ? 0 : 1;
        }
        assertThat((double) any / runs).isLessThanOrEqualTo(0.05 + 2 * Math.sqrt(0.05 * 0.95 / runs));
    }

    @Test
    void plantedDiscriminativeTasksAreSelectedAndTheSubsetIsRecorded() {
        List<Task> suite = new ArrayList<>();
        for (int t = 0; t < 48; t++) {
            suite.add(new Task("t" + t, "code", 0.5, true, 3, null));
        }
        TaskSelection s = TaskSelection.from(suite, "discriminative", history(new SplittableRandom(7), 6), 2400);
        // the six planted tasks are found; BH bounds the false discoveries' share, not their existence
        assertThat(s.selected()).startsWith("t0", "t1", "t2", "t3", "t4", "t5").hasSizeLessThanOrEqualTo(7);
        assertThat(s.excluded()).hasSize(48 - s.selected().size()).doesNotContainAnyElementsOf(s.selected());
        assertThat(s.apply(suite)).extracting(Task::id).containsExactlyElementsOf(s.selected());
        assertThat(s.scope()).isEqualTo("on " + s.selected().size() + " selected tasks (labelled discriminative, of 48)");
        assertThat(s.toJson().path("task_ids").size()).isEqualTo(s.selected().size());
        assertThat(s.toJson().path("method").asText()).contains("Benjamini-Hochberg");
        var guard = s.guardPlan(suite, 42).orElseThrow();
        assertThat(guard.suiteSize()).isEqualTo(s.excluded().size());
        for (int k = 0; k < 2 * guard.suiteSize(); k++) {
            assertThat(s.excluded()).contains(guard.task(k).id());
        }
        assertThatThrownBy(() -> TaskSelection.from(suite, "discriminative", history(new SplittableRandom(8), 0), 2400))
                .isInstanceOf(MetaorchException.class).hasMessageContaining("no task of the suite is labelled discriminative");
    }

    /**
     * Exact size and power against an independent enumeration (plain Python, math.comb, over the
     * trinomial outcomes of n pairs with the same sign-test rule): at effect 0.15, discordance 0.38
     * the power against a drop of 0.30 is 0.78696 at 27 pairs and 0.80569 at 28, so 28 pairs; the
     * chance of a false alarm with no difference (wins = losses = 0.19) is 0.02453 at 28 pairs.
     */
    @Test
    void theGuardAtTheDemoSettingsIsTwentyEightPairs() {
        SelectionGuard g = SelectionGuard.plan(0.15, 0.38);
        assertThat(g.pairs()).isEqualTo(28);
        assertThat(g.regression()).isEqualTo(0.30);
        assertThat(g.power()).isCloseTo(0.80569, within(5e-6));
        assertThat(SelectionGuard.power(27, 0.38, 0.04, 0.05)).isCloseTo(0.78696, within(5e-6));
        assertThat(SelectionGuard.power(28, 0.38, 0.19, 0.05)).isCloseTo(0.02453, within(5e-6));
    }

    /**
     * Seeded Monte Carlo of the guard at the demo settings, 4,000 runs each, against the exact
     * values above: false alarms 0.02453 and power 0.80569, each within 3 MC standard errors
     * (sqrt(p (1 - p) / 4000): 0.0024 and 0.0063).
     */
    @Test
    void theGuardHoldsItsAlphaAndCatchesTheRegressionItIsSizedFor() {
        SelectionGuard g = SelectionGuard.plan(0.15, 0.38);
        SplittableRandom rnd = new SplittableRandom(2026);
        int runs = 4000;
        assertThat(flagged(g, rnd, runs, 0.19, 0.19) / runs).isCloseTo(0.02453, within(3 * Math.sqrt(0.02453 * 0.97547 / runs)));
        assertThat(flagged(g, rnd, runs, 0.04, 0.34) / runs).isCloseTo(0.80569, within(3 * Math.sqrt(0.80569 * 0.19431 / runs)));
        assertThat(g.judge(0, 20, 8).regression()).isTrue();   // 8 losses of 8 discordant: p = 1/256
        assertThat(g.judge(2, 20, 6).regression()).isFalse();  // p = 37/256 = 0.1445
        assertThat(g.judge(2, 20, 6).pValue()).isCloseTo(37.0 / 256, within(1e-12));
    }

    private static double flagged(SelectionGuard g, SplittableRandom rnd, int runs, double win, double loss) {
        int flagged = 0;
        for (int i = 0; i < runs; i++) {
            long w = 0;
            long l = 0;
            for (int k = 0; k < g.pairs(); k++) {
                double u = rnd.nextDouble();
                w += u < win ? 1 : 0;
                l += u >= win && u < win + loss ? 1 : 0;
            }
            flagged += g.judge(w, g.pairs() - w - l, l).regression() ? 1 : 0;
        }
        return flagged;
    }
}

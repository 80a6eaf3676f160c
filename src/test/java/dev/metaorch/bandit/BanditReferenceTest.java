package dev.metaorch.bandit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference cell: numpy simulation with the same definitions, 2,000 runs,
 * T = 10,000, arms [0.3, 0.4, 0.5, 0.6, 0.7], mean pseudo-regret ± SE:
 * eps-greedy 233.8 ± 1.6, UCB1 229.4 ± 0.7, KL-UCB 65.7 ± 0.4, Thompson 45.3 ± 0.4.
 * A cell passes when |mean − reference| ≤ 4 √(SE² + SE_ref²).
 */
class BanditReferenceTest {
    static final double[] ARMS = {0.3, 0.4, 0.5, 0.6, 0.7};
    static final Map<String, double[]> REFERENCE = Map.of("eps-greedy", new double[] {233.8, 1.6},
            "ucb1", new double[] {229.4, 0.7}, "kl-ucb", new double[] {65.7, 0.4}, "thompson", new double[] {45.3, 0.4});

    @Test
    void referenceCellIsReproduced() {
        List<BanditPolicy> policies = List.of("eps-greedy", "ucb1", "kl-ucb", "thompson").stream()
                .map(n -> Policies.create(n, 0.1, 1, 1)).toList();
        BanditReport report = new BanditSimulator(2).simulate(ARMS, 10_000, 2_000, policies, 1, new long[] {100, 1000, 10_000}, null);
        REFERENCE.forEach((name, ref) -> {
            var p = report.policies().get(name);
            double tolerance = 4 * Math.sqrt(p.regretSe() * p.regretSe() + ref[1] * ref[1]);
            assertThat(p.regretMean()).as(name).isCloseTo(ref[0], within(tolerance));
            assertThat(p.checkpoints().get("10000").mean()).isEqualTo(p.regretMean());
            // pseudo-regret R = Σ Δ_i N_i with Δ_i in [0.1, 0.4] over the suboptimal pulls S = Σ N_i,
            // so the best arm's share 1 − S/T lies in [1 − R/(0.1 T), 1 − R/(0.4 T)] (run by run, so on average)
            double r = p.regretMean() / 10_000;
            assertThat(p.bestArmShare()).as(name).isBetween(1 - r / 0.1 - 1e-12, 1 - r / 0.4 + 1e-12);
        });
        double ts = report.policies().get("thompson").regretMean();
        double kl = report.policies().get("kl-ucb").regretMean();
        double ucb = report.policies().get("ucb1").regretMean();
        assertThat(ts).isLessThan(kl);
        assertThat(kl).isLessThan(ucb);
        // Lai–Robbins: C = Σ Δ_i / kl(μ_i, μ*) = 9.465, C ln T = 87.2 (issue reference)
        assertThat(report.laiRobbins().boundAtHorizon()).isCloseTo(87.2, within(0.05));
    }

    @Test
    void resultsAreIdenticalForAnyThreadCount() {
        List<BanditPolicy> policies = List.of(Policies.create("thompson", 0.1, 1, 1), Policies.create("eps-greedy", 0.1, 1, 1));
        BanditReport one = new BanditSimulator(1).simulate(ARMS, 2_000, 64, policies, 5, new long[] {2000}, null);
        BanditReport four = new BanditSimulator(4).simulate(ARMS, 2_000, 64, policies, 5, new long[] {2000}, null);
        for (String n : List.of("thompson", "eps-greedy")) {
            assertThat(four.policies().get(n).regretMean()).isEqualTo(one.policies().get(n).regretMean());
            assertThat(four.policies().get(n).curveMean()).containsExactly(one.policies().get(n).curveMean());
        }
    }
}

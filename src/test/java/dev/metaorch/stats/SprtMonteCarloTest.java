package dev.metaorch.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Seeded Monte Carlo of the paired GSPRT against the reference (d = 0.3, Δ = 0.15:
 * alpha ≈ 0.051, power ≈ 0.896, mean pairs ≈ 58 / 63; fixed n 110.4, about 45% saved).
 * 20,000 replications per hypothesis: the standard error of alpha is 0.0016, of power 0.0022,
 * of the mean n about 0.35. Tolerances are 4 standard errors, plus 0.01 on power because our
 * cap at 2 x fixed n leaves about 1% of H1 runs inconclusive (counted as not accepting H1).
 */
class SprtMonteCarloTest {
    @Test
    void pairedDesignMatchesTheReference() {
        SprtPlan plan = new SprtPlanner(2).paired(0.05, 0.10, 0.15, 0.3, 20_000, 1, null);
        var s = plan.simulated();
        assertThat(s.alpha()).isCloseTo(0.051, within(4 * 0.0016));
        assertThat(s.power()).isCloseTo(0.896, within(4 * 0.0022 + 0.01));
        assertThat(s.asnH0()).isCloseTo(58, within(2.0));
        assertThat(s.asnH1()).isCloseTo(63, within(2.0));
        assertThat(plan.fixedNRaw()).isCloseTo(110.4, within(0.05));
        assertThat(plan.savingsH0()).isGreaterThan(0.40);
        assertThat(plan.savingsH1()).isGreaterThan(0.40);
        assertThat(s.p90H1()).isGreaterThan((long) s.asnH1());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        SprtPlan one = new SprtPlanner(1).unpaired(0.05, 0.1, 0.15, 0.5, 2_000, 9, null);
        SprtPlan four = new SprtPlanner(4).unpaired(0.05, 0.1, 0.15, 0.5, 2_000, 9, null);
        assertThat(four.simulated().alpha()).isEqualTo(one.simulated().alpha());
        assertThat(four.simulated().asnH1()).isEqualTo(one.simulated().asnH1());
        assertThat(four.simulated().p99H0()).isEqualTo(one.simulated().p99H0());
    }

    @Test
    void bernoulliSimulationAgreesWithTheExactComputation() {
        // the simulation truncates at the plan's cap (184): compare with the exact DP at the same cap
        SprtPlan plan = new SprtPlanner(2).bernoulli(0.05, 0.10, 0.5, 0.65, 20_000, 5, null);
        BernoulliSprt test = new BernoulliSprt(0.5, 0.65, new SprtBounds(0.05, 0.10));
        ExactBernoulliOc h0 = ExactBernoulliOc.compute(test, 0.5, (int) plan.cap());
        ExactBernoulliOc h1 = ExactBernoulliOc.compute(test, 0.65, (int) plan.cap());
        assertThat(plan.simulated().alpha()).isCloseTo(h0.acceptH1(), within(4 * 0.0015));
        assertThat(plan.simulated().power()).isCloseTo(h1.acceptH1(), within(4 * 0.002));
        assertThat(plan.simulated().asnH0()).isCloseTo(h0.meanN(), within(4 * 0.25));
        assertThat(plan.simulated().asnH1()).isCloseTo(h1.meanN(), within(4 * 0.25));
        assertThat(plan.simulated().inconclusiveH1()).isCloseTo(h1.undecided(), within(4 * 0.001));
    }
}

package dev.metaorch.bandit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AllocationProjectionTest {
    /**
     * A cheap weak variant, a middling one and a dear strong one: Thompson sampling sends most of
     * 1,000 sessions to the strong one, so the expected spend is far above the even split
     * ((0.01 + 0.02 + 0.10)/3 × 1000 = $43.33) and below the dearest-variant bound ($100).
     */
    @Test
    void thompsonSpendsOnTheStrongDearVariant() {
        double[] rates = {0.3, 0.5, 0.8};
        double[] costs = {0.01, 0.02, 0.10};
        AllocationProjection p = AllocationProjection.simulate(Policies.create("thompson", 0.1, 1, 1), rates, costs, 1000,
                200, 7, 2);
        assertThat(p.share()[2]).isGreaterThan(0.9);
        assertThat(p.share()[0] + p.share()[1] + p.share()[2]).isCloseTo(1, within(1e-12));
        assertThat(p.expectedUsd()).isGreaterThan(90).isLessThan(p.dearestUsd());
        assertThat(p.p90Usd()).isGreaterThanOrEqualTo(p.expectedUsd() - 4 * p.expectedUsdSe());
        assertThat(p.dearestUsd()).isCloseTo(100, within(1e-9));
        // the mean spend is Σ share × cost × sessions, pull by pull
        double fromShares = 1000 * (p.share()[0] * 0.01 + p.share()[1] * 0.02 + p.share()[2] * 0.10);
        assertThat(p.expectedUsd()).isCloseTo(fromShares, within(1e-9));
    }

    /** By symmetry, equal success rates give every variant a third of the sessions (within 4 standard errors). */
    @Test
    void equalRatesSplitEvenly() {
        AllocationProjection p = AllocationProjection.simulate(Policies.create("ucb1", 0.1, 1, 1),
                new double[] {0.5, 0.5, 0.5}, new double[] {1, 2, 3}, 300, 400, 3, 2);
        for (int i = 0; i < 3; i++) {
            assertThat(p.share()[i]).isCloseTo(1.0 / 3, within(4 * p.shareSe()[i] + 1e-9));
        }
        assertThat(p.expectedUsd()).isCloseTo(600, within(4 * p.expectedUsdSe() + 1e-9));
    }

    @Test
    void sameSeedSameProjectionOnAnyThreadCount() {
        double[] rates = {0.4, 0.6};
        double[] costs = {0.05, 0.07};
        var one = AllocationProjection.simulate(Policies.create("kl-ucb", 0.1, 1, 1), rates, costs, 200, 50, 5, 1);
        var two = AllocationProjection.simulate(Policies.create("kl-ucb", 0.1, 1, 1), rates, costs, 200, 50, 5, 2);
        assertThat(two.expectedUsd()).isEqualTo(one.expectedUsd());
        assertThat(two.share()).containsExactly(one.share());
    }
}

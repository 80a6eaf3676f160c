package dev.metaorch.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The run's {@code normal} rule: log-ratios, H1 fixed before the run, a minimum sample. */
class NormalGsprtTest {
    static final SprtBounds B = new SprtBounds(0.05, 0.10);

    @Test
    void hypothesisIsFixedAndScaleFree() {
        // -ln(1 - 0.15) = 0.1625189294977749 (ln 0.85 = -0.16251892949777494, any table of logarithms)
        assertThat(NormalGsprt.logTheta(0.15, false)).isCloseTo(0.1625189294977749, within(1e-15));
        assertThat(NormalGsprt.logTheta(0.15, true)).isCloseTo(-0.1625189294977749, within(1e-15));
        StoppingRule rule = new StoppingRule("normal", Direction.BETTER, 0.05, 0.10, 0.15, 0.3, 10_000);
        PairCounts small = PairCounts.EMPTY;
        PairCounts large = PairCounts.EMPTY;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int i = 0; i < 40; i++) {
            double c = 1000 * Math.exp(0.3 * rng.nextGaussian());
            double t = 900 * Math.exp(0.3 * rng.nextGaussian());
            small = small.plus(false, false, c * 1e-6, t * 1e-6); // dollars: $0.001 a session
            large = large.plus(false, false, c, t);               // tokens
        }
        // the same ratios in any unit give (almost) the same LLR: ln(1 + x/1e-6) = ln(x/1e-6) + O(1e-3/x')
        assertThat(rule.evaluate(small).llr()).isCloseTo(rule.evaluate(large).llr(), within(0.05));
    }

    @Test
    void noDecisionBeforeTheMinimumSample() {
        StoppingRule rule = new StoppingRule("normal", Direction.BETTER, 0.05, 0.10, 0.15, 0.3, 10_000);
        PairCounts c = PairCounts.EMPTY;
        for (int i = 0; i < NormalGsprt.DEFAULT_MIN_PAIRS - 1; i++) {
            c = c.plus(false, false, 1000, 500); // the test arm at half the cost, every time
            assertThat(rule.evaluate(c).decision()).isEqualTo(Decision.CONTINUE);
        }
        c = c.plus(false, false, 1000, 500.5);
        assertThat(rule.evaluate(c).decision()).isEqualTo(Decision.ACCEPT_H1);
    }

    @Test
    void zeroMetricsStayFinite() {
        PairCounts c = PairCounts.EMPTY.plus(false, false, 0, 1000).plus(false, false, 0, 0);
        // ln(1 + 0) - ln(1 + 1000/1e-6) = -20.7, clipped to -ln 100; the pair of zeros gives 0
        assertThat(c.logRatioSum()).isCloseTo(-Math.log(100), within(1e-12));
        assertThat(c.logRatioSumSquares()).isCloseTo(Math.log(100) * Math.log(100), within(1e-12));
    }

    /**
     * A smaller version of scripts/bench-normal: 5,000 replications per hypothesis (standard error
     * of alpha about 0.003, of power about 0.0045), at the cap a plan gives. The bench at 20,000:
     * normal alpha 0.043, power 0.90; lognormal alpha 0.049, power 0.89. Bounds: the bar
     * widened by one standard error.
     */
    @Test
    void monteCarloAlphaAndPowerForNormalAndSkewedData() {
        for (NormalCheck.Shape shape : NormalCheck.Shape.values()) {
            double spread = shape == NormalCheck.Shape.NORMAL ? 0.3 : 0.8;
            long cap = NormalCheck.plannedCap(shape, spread, 0.15, 0.05, 0.10);
            StoppingRule rule = new StoppingRule("normal", Direction.BETTER, 0.05, 0.10, 0.15, 0.3, cap);
            NormalCheck r = NormalCheck.run(rule, shape, spread, 5_000, 21, 2);
            assertThat(r.alpha()).as("alpha, %s", shape).isLessThan(0.055 + 0.003);
            assertThat(r.power()).as("power, %s", shape).isGreaterThan(0.88 - 0.0045);
            assertThat(r.falseH1Within5()).isZero();
            assertThat(r.inconclusiveH1()).isLessThan(0.05);
        }
    }
}

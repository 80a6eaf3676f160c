package dev.metaorch.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reference values from the statistics issue; each states its source. */
class SprtReferenceTest {
    static final SprtBounds B = new SprtBounds(0.05, 0.10);

    @Test
    void waldBounds() {
        // Wald (1947): ln(beta/(1-alpha)) = ln(0.1/0.95), ln((1-beta)/alpha) = ln(0.9/0.05)
        assertThat(B.lower()).isCloseTo(-2.2512917986, within(1e-9));
        assertThat(B.upper()).isCloseTo(2.8903717579, within(1e-9));
    }

    static Stream<Arguments> bernoulli() {
        // Closed form S ln(p1/p0) + F ln((1-p1)/(1-p0)), as in Fishtest's SPRT for p0 = 0.5, p1 = 0.65
        return Stream.of(Arguments.of(30, 20, 0.7374290553), Arguments.of(65, 35, 4.5700541525),
                Arguments.of(50, 50, -4.7155339736));
    }

    @ParameterizedTest
    @MethodSource("bernoulli")
    void bernoulliLlr(int s, int f, double expected) {
        assertThat(new BernoulliSprt(0.5, 0.65, B).llr(s, f)).isCloseTo(expected, within(1e-6));
    }

    static Stream<Arguments> trinomial() {
        // Fishtest's LLRcalc (LLR_logistic-free GSPRT with MLE_expected), s0 = 0.5, s1 = 0.575,
        // counts (losses, ties, wins); also reproduced by an independent bisection solver in Python.
        return Stream.of(Arguments.of(10, 60, 30, 4.8881161933), Arguments.of(15, 50, 35, 3.8460171018),
                Arguments.of(20, 60, 20, -2.7794041343), Arguments.of(25, 50, 25, -2.2514261954));
    }

    @ParameterizedTest
    @MethodSource("trinomial")
    void trinomialGsprtLlr(int l, int t, int w, double expected) {
        assertThat(TrinomialGsprt.forEffect(0.15, false, B).llr(l, t, w)).isCloseTo(expected, within(1e-6));
        assertThat(new TrinomialGsprt(0.5, 0.575, B).llr(l, t, w)).isCloseTo(expected, within(1e-6));
    }

    @Test
    void exactBernoulliOperatingCharacteristics() {
        // Exact dynamic programming over the continuation region (issue reference): alpha 0.0450,
        // power 0.9129, mean N 45.73 (H0) / 55.62 (H1)
        BernoulliSprt t = new BernoulliSprt(0.5, 0.65, B);
        ExactBernoulliOc h0 = ExactBernoulliOc.compute(t, 0.5, Integer.MAX_VALUE);
        ExactBernoulliOc h1 = ExactBernoulliOc.compute(t, 0.65, Integer.MAX_VALUE);
        assertThat(h0.acceptH1()).isCloseTo(0.0450, within(5e-5));
        assertThat(h1.acceptH1()).isCloseTo(0.9129, within(5e-5));
        assertThat(h0.meanN()).isCloseTo(45.73, within(5e-3));
        assertThat(h1.meanN()).isCloseTo(55.62, within(5e-3));
        assertThat(h0.acceptH0() + h0.acceptH1() + h0.undecided()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void fixedSampleSizes() {
        // one-sample binomial, normal approximation: 91.35 -> 92 (issue reference)
        assertThat(SampleSize.bernoulli(0.5, 0.65, 0.05, 0.10)).isCloseTo(91.35, within(0.005));
        // Connor (1987) paired: d = 0.3, delta = 0.15 -> 110.4
        assertThat(SampleSize.paired(0.3, 0.15, 0.05, 0.10)).isCloseTo(110.39, within(0.01));
        // statsmodels NormalIndPower().solve_power(effect_size=proportion_effectsize(0.65, 0.5), alpha=0.05,
        // power=0.9, ratio=1, alternative='larger') = 184.49
        assertThat(SampleSize.unpaired(0.5, 0.15, 0.05, 0.10)).isCloseTo(184.49, within(0.01));
    }

    @Test
    void waldAsnForBernoulliIsBelowTheExactMeanSampleSize() {
        // Wald's approximation ignores overshoot, so it underestimates the exact mean n
        WaldApproximation w = WaldApproximation.bernoulli(B, 0.5, 0.65);
        assertThat(w.asnH0()).isCloseTo(42.29, within(0.01)).isLessThan(45.73);
        assertThat(w.asnH1()).isCloseTo(52.00, within(0.01)).isLessThan(55.62);
    }

    @Test
    void wilsonIntervals() {
        // Wilson (1927); values from the analysis issue (R: binom::binom.wilson)
        assertThat(Intervals.wilson(5, 10, 0.95)).containsExactly(new double[] {0.236593, 0.763407}, within(1e-6));
        assertThat(Intervals.wilson(80, 100, 0.95)).containsExactly(new double[] {0.711171, 0.866633}, within(1e-6));
        assertThat(Intervals.wilson(0, 10, 0.95)).containsExactly(new double[] {0.0, 0.277533}, within(1e-6));
    }

    @Test
    void newcombeHybridScoreInterval() {
        // Newcombe (1998), Table II example (e): 56/70 vs 48/80 -> difference 0.2, 95% CI [0.0524, 0.3339]
        double[] ci = Intervals.newcombe(56, 70, 48, 80, 0.95);
        assertThat(ci[0]).isCloseTo(0.0524, within(1e-4));
        assertThat(ci[1]).isCloseTo(0.3339, within(1e-4));
    }
}

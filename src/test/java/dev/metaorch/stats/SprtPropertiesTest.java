package dev.metaorch.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SprtPropertiesTest {
    static final SprtBounds B = new SprtBounds(0.05, 0.10);

    @Test
    void llrIsMonotoneInWins() {
        TrinomialGsprt t = TrinomialGsprt.forEffect(0.15, false, B);
        for (int losses = 0; losses < 30; losses += 7) {
            for (int ties = 0; ties < 60; ties += 13) {
                double prev = Double.NEGATIVE_INFINITY;
                for (int wins = 0; wins < 60; wins++) {
                    double llr = t.llr(losses, ties, wins);
                    assertThat(llr).as("L=%d T=%d W=%d", losses, ties, wins).isGreaterThanOrEqualTo(prev - 1e-12);
                    prev = llr;
                }
            }
        }
    }

    @Test
    void swappingWinsAndLossesMirrorsTheHypotheses() {
        TrinomialGsprt up = new TrinomialGsprt(0.5, 0.575, B);
        TrinomialGsprt down = new TrinomialGsprt(0.5, 0.425, B);
        for (int l = 0; l < 40; l += 3) {
            for (int t = 0; t < 40; t += 5) {
                for (int w = 0; w < 40; w += 4) {
                    assertThat(up.llr(l, t, w)).isCloseTo(down.llr(w, t, l), within(1e-9));
                }
            }
        }
    }

    @Test
    void withTwoCategoriesItIsTheBernoulliSprt() {
        double[] scores = {0.0, 1.0};
        for (int w = 1; w < 50; w += 3) {
            for (int l = 1; l < 50; l += 5) {
                double n = w + l;
                double[] p = {l / n, w / n};
                double[] q0 = MeanConstrainedMle.fit(scores, p, 0.5);
                double[] q1 = MeanConstrainedMle.fit(scores, p, 0.575);
                double llr = n * (p[0] * Math.log(q1[0] / q0[0]) + p[1] * Math.log(q1[1] / q0[1]));
                assertThat(llr).isCloseTo(new BernoulliSprt(0.5, 0.575, B).llr(w, l), within(1e-9));
            }
        }
    }

    @Test
    void withoutTiesTheTrinomialIsCloseToTheBernoulliSprt() {
        // the regularisation puts 1e-3 in the empty tie cell: the LLR moves by far less than a pair's worth
        TrinomialGsprt t = new TrinomialGsprt(0.5, 0.575, B);
        assertThat(t.llr(10, 0, 30)).isCloseTo(new BernoulliSprt(0.5, 0.575, B).llr(30, 10), within(1e-2));
    }

    @Test
    void closedFormAgreesWithBrent() {
        double[] a = {0, 0.5, 1};
        for (double pl = 0.01; pl < 0.5; pl += 0.07) {
            for (double pt = 0.01; pt < 0.5; pt += 0.09) {
                double[] p = {pl, pt, 1 - pl - pt};
                for (double s : new double[] {0.3, 0.5, 0.575, 0.8}) {
                    double x3 = MeanConstrainedMle.rootOfThree(a, p, s);
                    double xb = MeanConstrainedMle.rootByBrent(a, p, s);
                    assertThat(x3).isCloseTo(xb, within(1e-9));
                    double[] fit = MeanConstrainedMle.fit(a, p, s);
                    assertThat(fit[0] + fit[1] + fit[2]).isCloseTo(1, within(1e-9));
                    assertThat(fit[1] * 0.5 + fit[2]).isCloseTo(s, within(1e-9));
                }
            }
        }
    }

    @Test
    void emptyCellsDoNotDivideByZero() {
        TrinomialGsprt t = TrinomialGsprt.forEffect(0.15, false, B);
        assertThat(t.llr(0, 0, 0)).isZero();
        assertThat(t.llr(0, 50, 0)).isFinite();
        assertThat(t.llr(0, 0, 20)).isFinite().isPositive();
        assertThat(t.llr(20, 0, 0)).isFinite().isNegative();
    }

    @Test
    void directionBothSplitsAlphaAndFindsRegressions() {
        StoppingRule both = new StoppingRule("gsprt", Direction.BOTH, 0.05, 0.1, 0.15, 0.3, 1000);
        assertThat(both.bounds().upper()).isCloseTo(Math.log(0.9 / 0.025), within(1e-12));
        var worse = both.evaluate(PairCounts.ofTrinomial(40, 50, 5));
        assertThat(worse.decision()).isEqualTo(Decision.ACCEPT_H1);
        assertThat(worse.found()).isEqualTo(Direction.WORSE);
        var better = both.evaluate(PairCounts.ofTrinomial(5, 50, 40));
        assertThat(better.found()).isEqualTo(Direction.BETTER);
        var regression = new StoppingRule("gsprt", Direction.WORSE, 0.05, 0.1, 0.15, 0.3, 1000)
                .evaluate(PairCounts.ofTrinomial(30, 60, 10));
        assertThat(regression.decision()).isEqualTo(Decision.ACCEPT_H1);
    }

    @Test
    void capEndsTheTestAsInconclusive() {
        StoppingRule rule = new StoppingRule("gsprt", Direction.BETTER, 0.05, 0.1, 0.15, 0.3, 20);
        assertThat(rule.evaluate(PairCounts.ofTrinomial(4, 12, 4)).decision()).isEqualTo(Decision.INCONCLUSIVE);
        assertThat(rule.evaluate(PairCounts.ofTrinomial(4, 11, 4)).decision()).isEqualTo(Decision.CONTINUE);
    }

    @Test
    void mcnemarUsesOnlyDiscordantPairs() {
        McNemarSprt m = new McNemarSprt(0.15, 0.3, false, B);
        assertThat(m.q1()).isCloseTo(0.75, within(1e-12));
        StoppingRule rule = new StoppingRule("mcnemar", Direction.BETTER, 0.05, 0.1, 0.15, 0.3, 1000);
        assertThat(rule.evaluate(PairCounts.ofTrinomial(2, 500, 8)).llr())
                .isCloseTo(rule.evaluate(PairCounts.ofTrinomial(2, 0, 8)).llr(), within(1e-12))
                .isCloseTo(8 * Math.log(1.5) + 2 * Math.log(0.5), within(1e-12));
    }

    @Test
    void normalGsprtDetectsLowerTokens() {
        StoppingRule rule = new StoppingRule("normal", Direction.BETTER, 0.05, 0.1, 0.15, 0.3, 10_000);
        PairCounts c = PairCounts.EMPTY;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        Decision d = Decision.CONTINUE;
        int n = 0;
        while (!d.isFinal()) {
            double control = 1000 + 200 * rng.nextGaussian();
            double test = 750 + 200 * rng.nextGaussian();
            c = c.plus(false, false, control, test);
            d = rule.evaluate(c).decision();
            n++;
        }
        assertThat(d).isEqualTo(Decision.ACCEPT_H1);
        assertThat(n).isLessThan(200);
    }

    @Test
    void overshootCorrectionPullsTheExactTestsBoundsIn() throws Exception {
        // Bernoulli p0 = 0.5, p1 = 0.65: increment SD under H0 = |ln 1.3 - ln 0.7| * 0.5 = 0.309520;
        // Siegmund's shift 0.583 * SD = 0.180450 on each bound
        var r = dev.metaorch.cli.CommandResult.run("sprt", "test", "--successes", "30", "--failures", "20", "--p0", "0.5",
                "--p1", "0.65", "--overshoot", "--json");
        var n = dev.metaorch.common.Json.mapper().readTree(r.out());
        assertThat(n.path("lower").asDouble()).isCloseTo(-2.2512917986 + 0.180450, within(1e-5));
        assertThat(n.path("upper").asDouble()).isCloseTo(2.8903717579 - 0.180450, within(1e-5));
        assertThat(dev.metaorch.cli.CommandResult.run("sprt", "test", "--wins", "3", "--ties", "1", "--losses", "1",
                "--overshoot").exitCode()).isEqualTo(2);
    }
}

package dev.metaorch.stats;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.solvers.BrentSolver;

/**
 * The effect (success-rate difference test − control, {@code Δ = 2s − 1} for the mean pair score s)
 * after a paired GSPRT, two ways, labelled:
 * <ul>
 * <li>{@code estimate}, {@code ci}: the median-unbiased estimate and the confidence interval of the
 * stagewise ordering (Armitage 1957; Whitehead 1997 §5.4), computed on the Brownian approximation
 * of the LLR path as Fishtest does after an SPRT ({@code server/fishtest/stats/sprt.py}: the
 * estimate is the effect under which an outcome no better than the observed one has probability
 * ½; the interval's ends give it 1 − c/2 and c/2). The stop is placed where the path met its
 * bound (time {@code N · bound / LLR}, which removes the overshoot); a run stopped by the cap is
 * ordered by its LLR at the cap, which makes the interval right for the truncated design too.
 * See ADR-120.</li>
 * <li>{@code fixed_estimate}, {@code fixed_ci}: the estimate a fixed-size experiment with the same
 * counts would report, {@code (wins − losses)/n} with the paired Wald interval — biased after an
 * early stop (toward the decision), printed beside it for comparison only.</li>
 * </ul>
 * Only the trinomial GSPRT gets the sequential adjustment; for the McNemar and normal tests the
 * sequential fields repeat the fixed-sample ones and the method says so.
 */
public record SequentialEstimate(
        double estimate,
        @JsonProperty("ci_low") double ciLow,
        @JsonProperty("ci_high") double ciHigh,
        double confidence,
        Method method,
        @JsonProperty("fixed_estimate") double fixedEstimate,
        @JsonProperty("fixed_ci_low") double fixedCiLow,
        @JsonProperty("fixed_ci_high") double fixedCiHigh,
        String note) {

    public static final double DEFAULT_CONFIDENCE = 0.95;

    /** How {@code estimate} and its interval were computed. */
    public enum Method {
        STAGEWISE_BROWNIAN("stagewise_brownian"),
        FIXED_SAMPLE("fixed_sample");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        @JsonValue
        public String label() {
            return label;
        }
    }

    static final String FIXED_NOTE = "fixed_estimate: (wins - losses)/pairs with the paired Wald interval, as a "
            + "fixed-size experiment would report it; after an early stop it is biased toward the decision";

    public static SequentialEstimate of(PairCounts counts, StoppingRule rule, Decision decision) {
        return of(counts, rule, decision, DEFAULT_CONFIDENCE);
    }

    /**
     * The estimates for the final (or interim) state of a run: {@code counts} as evaluated by
     * {@code rule}, which gave {@code decision}.
     */
    public static SequentialEstimate of(PairCounts counts, StoppingRule rule, Decision decision, double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        }
        long n = counts.pairs();
        double fixed = n == 0 ? 0 : (double) (counts.wins() - counts.losses()) / n;
        double[] fixedCi = pairedWald(counts, confidence);
        if (!rule.test().equals("gsprt") || n == 0) {
            String why = n == 0 ? "no pairs yet" : "no sequential adjustment for the " + rule.test() + " test";
            return new SequentialEstimate(fixed, fixedCi[0], fixedCi[1], confidence, Method.FIXED_SAMPLE, fixed,
                    fixedCi[0], fixedCi[1], why + "; " + FIXED_NOTE);
        }
        SprtBounds bounds = rule.bounds();
        StoppingRule.Evaluation ev = rule.evaluate(counts);
        boolean regression = rule.direction() == Direction.WORSE
                || (rule.direction() == Direction.BOTH && ev.found() == Direction.WORSE);
        TrinomialGsprt test = TrinomialGsprt.forEffect(rule.minEffect(), regression, bounds);
        double llr = regression && rule.direction() == Direction.BOTH ? ev.llrWorse() : ev.llr();
        double[] p = regularized(counts);
        // where the path stopped: at the bound it crossed, at the time it would have met it
        double t;
        double y;
        if (decision == Decision.ACCEPT_H1 && llr >= bounds.upper()) {
            y = bounds.upper();
            t = n * bounds.upper() / llr;
        } else if (decision == Decision.ACCEPT_H0 && llr <= bounds.lower()) {
            y = bounds.lower();
            t = n * bounds.lower() / llr;
        } else {
            y = Math.max(bounds.lower(), Math.min(bounds.upper(), llr));
            t = n;
        }
        double[] r = stagewise(p, test.s0(), test.s1(), bounds, t, y, confidence);
        double est = r[0];
        double lo = r[1];
        double hi = r[2];
        String note = "estimate: median-unbiased, interval by stagewise ordering, on the Brownian approximation of "
                + "the GSPRT (as Fishtest after an SPRT)"
                + (rule.direction() == Direction.BOTH ? "; direction both: the side " + (regression ? "worse" : "better")
                        + " alone is modelled" : "")
                + (decision.isFinal() ? "" : "; interim: the run has not stopped") + "; " + FIXED_NOTE;
        return new SequentialEstimate(est, lo, hi, confidence, Method.STAGEWISE_BROWNIAN, fixed, fixedCi[0],
                fixedCi[1], note);
    }

    /**
     * Median-unbiased estimate and interval of the effect Δ = 2s − 1 for a path that stopped at
     * (time t, LLR y), with the trinomial frequencies {@code p} (losses, ties, wins) giving the
     * per-pair variance: {@code {estimate, low, high}}.
     */
    static double[] stagewise(double[] p, double s0, double s1, SprtBounds bounds, double t, double y,
            double confidence) {
        double mean = p[1] * 0.5 + p[2];
        double v = p[0] * mean * mean + p[1] * (0.5 - mean) * (0.5 - mean) + p[2] * (1 - mean) * (1 - mean);
        UnivariateFunction cdf = delta -> BrownianSprt.gsprt(bounds, s0, s1, (1 + delta) / 2, v).outcomeCdf(t, y);
        double tail = (1 - confidence) / 2;
        // F falls with the drift, which rises with Δ when s1 > s0 and falls when s1 < s0 (regressions)
        double x = solve(cdf, 1 - tail);
        double z = solve(cdf, tail);
        return new double[] {solve(cdf, 0.5), Math.min(x, z), Math.max(x, z)};
    }

    /** The effect at which the outcome distribution function equals {@code target}, in [−1, 1] (the nearer end when it is not reached). */
    private static double solve(UnivariateFunction cdf, double target) {
        double lo = -1 + 1e-9;
        double hi = 1 - 1e-9;
        UnivariateFunction f = d -> cdf.value(d) - target;
        double flo = f.value(lo);
        double fhi = f.value(hi);
        if (flo == 0 || fhi == 0 || (flo > 0) == (fhi > 0)) {
            return Math.abs(flo) <= Math.abs(fhi) ? -1 : 1;
        }
        return new BrentSolver(1e-10, 1e-10).solve(500, f, lo, hi);
    }

    /** Frequencies with an empty cell replaced by 1e-3 (as the GSPRT's {@link TrinomialGsprt#llr}). */
    static double[] regularized(PairCounts c) {
        double l = Math.max(c.losses(), TrinomialGsprt.EPSILON);
        double t = Math.max(c.ties(), TrinomialGsprt.EPSILON);
        double w = Math.max(c.wins(), TrinomialGsprt.EPSILON);
        double total = l + t + w;
        return new double[] {l / total, t / total, w / total};
    }

    /**
     * Paired Wald interval for {@code Δ = (W − L)/n}: per-pair difference ∈ {−1, 0, 1} with variance
     * {@code (W + L)/n − Δ²}; clipped to [−1, 1]; [−1, 1] without pairs.
     */
    static double[] pairedWald(PairCounts c, double confidence) {
        long n = c.pairs();
        if (n == 0) {
            return new double[] {-1, 1};
        }
        double d = (double) (c.wins() - c.losses()) / n;
        double var = Math.max(0, (double) (c.wins() + c.losses()) / n - d * d);
        double half = Intervals.z(confidence) * Math.sqrt(var / n);
        return new double[] {Math.max(-1, d - half), Math.min(1, d + half)};
    }
}

package dev.metaorch.stats;

/**
 * Fishtest's generalized SPRT on the mean pair score (0 = test loses, ½ = tie, 1 = test wins):
 * H0 mean {@code s0} against H1 mean {@code s1}. For each hypothesis the trinomial is refitted by
 * maximum likelihood under that mean ({@link MeanConstrainedMle}) and
 * {@code LLR = N Σ p̂_i ln(p_i(s1) / p_i(s0))}, recomputed from the cumulative counts.
 * <p>Regularisation: a zero count is replaced by 1e-3 before the frequencies are formed
 * (Fishtest's {@code regularize}), so every cell is positive and the constrained fit always
 * exists (all ties would otherwise admit no distribution with mean s1 ≠ ½). No overshoot
 * correction: at these sample sizes it would push the type I error above alpha.
 */
public record TrinomialGsprt(double s0, double s1, SprtBounds bounds) {
    static final double[] SCORES = {0.0, 0.5, 1.0};
    static final double EPSILON = 1e-3;

    public TrinomialGsprt {
        if (!(s0 > 0 && s0 < 1 && s1 > 0 && s1 < 1) || s0 == s1) {
            throw new IllegalArgumentException("need 0 < s0, s1 < 1 and s0 != s1");
        }
    }

    /** The usual A/B test: s0 = ½, s1 = ½ + minEffect/2 (or ½ − minEffect/2 for regressions). */
    public static TrinomialGsprt forEffect(double minEffect, boolean regression, SprtBounds bounds) {
        double shift = minEffect / 2;
        return new TrinomialGsprt(0.5, regression ? 0.5 - shift : 0.5 + shift, bounds);
    }

    public double llr(long losses, long ties, long wins) {
        long n = losses + ties + wins;
        if (n == 0) {
            return 0;
        }
        double l = Math.max(losses, EPSILON);
        double t = Math.max(ties, EPSILON);
        double w = Math.max(wins, EPSILON);
        double total = l + t + w;
        double[] p = {l / total, t / total, w / total};
        double[] q0 = MeanConstrainedMle.fit(SCORES, p, s0);
        double[] q1 = MeanConstrainedMle.fit(SCORES, p, s1);
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += p[i] * Math.log(q1[i] / q0[i]);
        }
        return n * sum;
    }

    public Decision decide(long losses, long ties, long wins) {
        return bounds.decide(llr(losses, ties, wins));
    }
}

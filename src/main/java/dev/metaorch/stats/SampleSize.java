package dev.metaorch.stats;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Fixed-sample sizes for the same one-sided alpha and power 1 − beta, by normal approximation.
 */
public final class SampleSize {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private SampleSize() {
    }

    static double zUpper(double tail) {
        return NORMAL.inverseCumulativeProbability(1 - tail);
    }

    /** One-sample binomial, p0 vs p1: {@code ((z_{1−α}√(p0 q0) + z_{1−β}√(p1 q1)) / (p1 − p0))²} observations. */
    public static double bernoulli(double p0, double p1, double alpha, double beta) {
        double num = zUpper(alpha) * Math.sqrt(p0 * (1 - p0)) + zUpper(beta) * Math.sqrt(p1 * (1 - p1));
        return sq(num / (p1 - p0));
    }

    /**
     * Paired proportions (Connor 1987 / McNemar): {@code (z_{1−α}√d + z_{1−β}√(d − Δ²))² / Δ²} pairs,
     * d the share of discordant pairs, Δ the difference in success rates.
     */
    public static double paired(double discordance, double delta, double alpha, double beta) {
        if (!(discordance > delta * delta) || discordance > 1) {
            throw new IllegalArgumentException("need Δ² < d <= 1 (d = " + discordance + ", Δ = " + delta + ")");
        }
        double num = zUpper(alpha) * Math.sqrt(discordance) + zUpper(beta) * Math.sqrt(discordance - delta * delta);
        return sq(num) / (delta * delta);
    }

    /**
     * Two independent proportions, per arm, by Cohen's effect size {@code h = 2 asin√p2 − 2 asin√p1}:
     * {@code n = 2 ((z_{1−α} + z_{1−β}) / h)²}, as statsmodels' {@code NormalIndPower} (ratio 1, alternative "larger").
     */
    public static double unpaired(double pControl, double delta, double alpha, double beta) {
        double h = 2 * Math.asin(Math.sqrt(pControl + delta)) - 2 * Math.asin(Math.sqrt(pControl));
        return 2 * sq((zUpper(alpha) + zUpper(beta)) / h);
    }

    /**
     * One-sample (paired differences) normal mean, known SD σ: {@code ((z_{1−α} + z_{1−β}) σ / θ)²}
     * pairs. For the run's {@code normal} test σ is the SD of the per-pair log-ratios
     * ln(control/test), from earlier sessions, and θ = −ln(1 − min_effect).
     */
    public static double normal(double sigma, double theta, double alpha, double beta) {
        if (!(sigma > 0) || theta == 0) {
            throw new IllegalArgumentException("need sigma > 0 and theta != 0 (sigma = " + sigma + ", theta = " + theta + ")");
        }
        return sq((zUpper(alpha) + zUpper(beta)) * sigma / theta);
    }

    private static double sq(double v) {
        return v * v;
    }
}

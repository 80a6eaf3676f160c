package dev.metaorch.stats;

/**
 * GSPRT for a continuous metric by normal approximation on per-pair values {@code D} (for the run's
 * {@code normal} test, log-ratios {@code ln(control/test)}, see {@link PairCounts#logRatio}; lower
 * metric is better, so D > 0 favours the test). H0 mean 0, H1 mean θ1, θ1 fixed before the run;
 * the variance is refitted by maximum likelihood under each hypothesis,
 * {@code σ_j² = mean((D − θ_j)²)}, and {@code LLR = n/2 · ln(σ0² / σ1²)}. State is (n, ΣD, ΣD²).
 * Below {@code minPairs} pairs the LLR is 0 (no decision): with few pairs the variance estimate is
 * too noisy and the type I error rises above alpha (ADR-121).
 */
public record NormalGsprt(double theta1, SprtBounds bounds, long minPairs) {
    /**
     * Default minimum sample: 20 pairs, where the variance estimate's relative standard error
     * √(2/(n−1)) is about a third; the Monte Carlo in NormalGsprtTest shows alpha &lt;= 0.05 from there.
     */
    public static final long DEFAULT_MIN_PAIRS = 20;

    public NormalGsprt {
        if (theta1 == 0 || !Double.isFinite(theta1)) {
            throw new IllegalArgumentException("theta1 must be finite and non-zero, got " + theta1);
        }
        if (minPairs < 2) {
            throw new IllegalArgumentException("minPairs must be >= 2, got " + minPairs);
        }
    }

    public NormalGsprt(double theta1, SprtBounds bounds) {
        this(theta1, bounds, DEFAULT_MIN_PAIRS);
    }

    /** H1 on the log scale for a relative reduction {@code e} of the metric: {@code θ1 = −ln(1 − e)} (mirrored for regressions). */
    public static double logTheta(double relativeEffect, boolean regression) {
        if (!(relativeEffect > 0 && relativeEffect < 1)) {
            throw new IllegalArgumentException("the relative effect must be in (0, 1), got " + relativeEffect);
        }
        double t = -Math.log1p(-relativeEffect);
        return regression ? -t : t;
    }

    public double llr(long n, double sum, double sumSquares) {
        if (n < minPairs) {
            return 0;
        }
        double var0 = sumSquares / n;
        double var1 = (sumSquares - 2 * theta1 * sum + n * theta1 * theta1) / n;
        double floor = 1e-12 * Math.max(1, var0);
        return n / 2.0 * Math.log(Math.max(var0, floor) / Math.max(var1, floor));
    }
}

package dev.metaorch.stats;

import org.apache.commons.math3.distribution.HypergeometricDistribution;

/**
 * Fisher's exact test for a 2×2 table {@code [[a, b], [c, d]]} (e.g. rows control/test, columns
 * infrastructure failure/other): conditional on the margins, {@code a} is hypergeometric
 * (Commons Math's {@link HypergeometricDistribution}). The two-sided p-value sums the probabilities
 * of every table no more likely than the observed one, with R's relative tolerance 1 + 1e-7 for
 * ties in probability (R's {@code fisher.test}; scipy's {@code fisher_exact} gives the same values).
 *
 * @param oddsRatio the sample odds ratio {@code ad/(bc)} (infinite when bc = 0 &lt; ad; NaN when both are 0)
 */
public record FisherExact(long a, long b, long c, long d, double pValue, double oddsRatio) {
    private static final double RELATIVE_TOLERANCE = 1 + 1e-7;

    public static FisherExact twoSided(long a, long b, long c, long d) {
        if (a < 0 || b < 0 || c < 0 || d < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got " + a + ", " + b + ", " + c + ", " + d);
        }
        long total = a + b + c + d;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("table too large for the exact test: " + total);
        }
        double or = (double) a * d / ((double) b * c);
        if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) {
            // an empty margin fixes the table: no other table is possible (Commons Math's
            // probability() returns 0 on such a one-point support)
            return new FisherExact(a, b, c, d, 1, or);
        }
        HypergeometricDistribution h = new HypergeometricDistribution(null, (int) total, (int) (a + c), (int) (a + b));
        double observed = h.probability((int) a);
        double p = 0;
        for (int x = h.getSupportLowerBound(); x <= h.getSupportUpperBound(); x++) {
            double px = h.probability(x);
            if (px <= observed * RELATIVE_TOLERANCE) {
                p += px;
            }
        }
        return new FisherExact(a, b, c, d, Math.min(1, p), or);
    }
}

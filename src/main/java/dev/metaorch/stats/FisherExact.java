package dev.metaorch.stats;

import org.apache.commons.math3.distribution.HypergeometricDistribution;

/**
 * Fisher's exact test for a 2x2 table {@code [[a, b], [c, d]]}: the two-sided p-value sums the
 * probabilities of every table with the same margins that is no more likely than the observed
 * one (R's {@code fisher.test} convention, with its relative tolerance 1e-7).
 */
public final class FisherExact {
    private FisherExact() {
    }

    public static double twoSided(long a, long b, long c, long d) {
        if (a < 0 || b < 0 || c < 0 || d < 0) {
            throw new IllegalArgumentException("counts must be >= 0");
        }
        long n = a + b + c + d;
        long row1 = a + b;
        long col1 = a + c;
        if (n == 0 || row1 == 0 || col1 == 0 || row1 == n || col1 == n) {
            return 1.0;
        }
        HypergeometricDistribution h = new HypergeometricDistribution(null, Math.toIntExact(n), Math.toIntExact(col1),
                Math.toIntExact(row1));
        double observed = h.probability(Math.toIntExact(a));
        int lo = (int) Math.max(0, row1 - (n - col1));
        int hi = (int) Math.min(row1, col1);
        double p = 0;
        for (int x = lo; x <= hi; x++) {
            double px = h.probability(x);
            if (px <= observed * (1 + 1e-7)) {
                p += px;
            }
        }
        return Math.min(1.0, p);
    }
}

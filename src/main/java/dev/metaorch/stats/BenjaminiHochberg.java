package dev.metaorch.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Benjamini–Hochberg (1995) step-up adjustment, as R's {@code p.adjust(p, "BH")}: with the
 * p-values sorted ascending, {@code q_(i) = min_{j ≥ i} min(1, m · p_(j) / j)}. Rejecting every
 * hypothesis with {@code q ≤ α} controls the false discovery rate at α for independent (or
 * positively dependent) tests. Commons Math has no multiple-comparison procedure; this is the
 * whole of it.
 */
public final class BenjaminiHochberg {
    private BenjaminiHochberg() {
    }

    /** Adjusted p-values, in the order of {@code p}. */
    public static double[] adjust(double[] p) {
        int m = p.length;
        Integer[] order = IntStream.range(0, m).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double[] q = new double[m];
        double running = 1;
        for (int r = m - 1; r >= 0; r--) {
            int i = order[r];
            if (!(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalArgumentException("p-value out of [0, 1]: " + p[i]);
            }
            running = Math.min(running, m * p[i] / (r + 1));
            q[i] = running;
        }
        return q;
    }

    /** Which hypotheses are rejected at false discovery rate {@code alpha}. */
    public static boolean[] reject(double[] p, double alpha) {
        double[] q = adjust(p);
        boolean[] out = new boolean[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = q[i] <= alpha;
        }
        return out;
    }
}

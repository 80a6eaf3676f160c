package dev.metaorch.stats;

import org.apache.commons.math3.analysis.solvers.BrentSolver;

/**
 * The maximum-likelihood distribution on fixed scores {@code a_i} closest (in KL) to observed
 * frequencies {@code p̂_i}, subject to a given mean {@code s}: {@code p_i = p̂_i / (1 + x (a_i - s))}
 * with x the root of {@code Σ p̂_i (a_i - s) / (1 + x (a_i - s)) = 0} (the Lagrange condition, as in
 * Fishtest's {@code LLRcalc.MLE_expected}). For three categories the root is that of a quadratic,
 * found in closed form; otherwise with Commons Math's Brent solver on the interval where every
 * {@code 1 + x (a_i - s)} is positive (the function is strictly decreasing there).
 */
public final class MeanConstrainedMle {
    private MeanConstrainedMle() {
    }

    /** Fitted probabilities; {@code probs} must sum to 1 and {@code s} lie strictly inside the scores' range. */
    public static double[] fit(double[] scores, double[] probs, double s) {
        double x = scores.length == 3 ? rootOfThree(scores, probs, s) : rootByBrent(scores, probs, s);
        double[] fitted = new double[probs.length];
        for (int i = 0; i < probs.length; i++) {
            fitted[i] = probs[i] / (1 + x * (scores[i] - s));
        }
        return fitted;
    }

    static double rootOfThree(double[] a, double[] p, double s) {
        double u0 = a[0] - s;
        double u1 = a[1] - s;
        double u2 = a[2] - s;
        double c0 = p[0] * u0 + p[1] * u1 + p[2] * u2;
        double c1 = p[0] * u0 * (u1 + u2) + p[1] * u1 * (u0 + u2) + p[2] * u2 * (u0 + u1);
        double c2 = u0 * u1 * u2 * (p[0] + p[1] + p[2]);
        double lo = -1 / Math.max(u0, Math.max(u1, u2));
        double hi = -1 / Math.min(u0, Math.min(u1, u2));
        if (c2 == 0) {
            return -c0 / c1;
        }
        double disc = c1 * c1 - 4 * c2 * c0;
        if (disc >= 0) {
            double q = -0.5 * (c1 + Math.copySign(Math.sqrt(disc), c1));
            double r1 = q / c2;
            double r2 = q == 0 ? r1 : c0 / q;
            if (r1 > lo && r1 < hi) {
                return r1;
            }
            if (r2 > lo && r2 < hi) {
                return r2;
            }
        }
        return rootByBrent(a, p, s);
    }

    static double rootByBrent(double[] a, double[] p, double s) {
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double v : a) {
            max = Math.max(max, v - s);
            min = Math.min(min, v - s);
        }
        if (!(max > 0 && min < 0)) {
            throw new IllegalArgumentException("mean " + s + " is outside the range of the scores");
        }
        double lo = -1 / max;
        double hi = -1 / min;
        double eps = 1e-12 * (hi - lo);
        BrentSolver solver = new BrentSolver(1e-15, 1e-15);
        return solver.solve(200, x -> {
            double sum = 0;
            for (int i = 0; i < a.length; i++) {
                double u = a[i] - s;
                sum += p[i] * u / (1 + x * u);
            }
            return sum;
        }, lo + eps, hi - eps);
    }
}

package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * KL-UCB (Garivier and Cappé 2011) with exploration ln n: pull each arm once, then
 * argmax max{q ∈ [μ̂_i, 1] : N_i · kl(μ̂_i, q) ≤ ln n}. The index is the root of
 * {@code kl(μ̂, q) = ln n / N} on [μ̂, 1), found by Newton's method to 1e-11, warm-started from the
 * arm's previous index: kl(μ̂, ·) is convex and increasing there, so after at most one step from
 * the left, Newton converges monotonically from the right and never leaves (μ̂, 1).
 */
public final class KlUcb implements BanditPolicy {
    static final double TOLERANCE = 1e-11;
    private double[] warm = new double[0];

    @Override
    public String name() {
        return "kl-ucb";
    }

    @Override
    public int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng) {
        int unpulled = BanditPolicy.firstUnpulled(pulls);
        if (unpulled >= 0) {
            return unpulled;
        }
        if (warm.length != pulls.length) {
            warm = new double[pulls.length];
        }
        double logN = Math.log(total);
        int best = 0;
        double bestIndex = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < pulls.length; i++) {
            double index = index((double) successes[i] / pulls[i], logN / pulls[i], warm[i]);
            warm[i] = index;
            if (index > bestIndex) {
                bestIndex = index;
                best = i;
            }
        }
        return best;
    }

    /** Bernoulli Kullback–Leibler divergence kl(p, q). */
    public static double kl(double p, double q) {
        double a = p == 0 ? 0 : p * Math.log(p / q);
        double b = p == 1 ? 0 : (1 - p) * Math.log((1 - p) / (1 - q));
        return a + b;
    }

    /** max{q ∈ [p, 1] : kl(p, q) ≤ d}, from the starting guess {@code start}. */
    public static double index(double p, double d, double start) {
        if (d <= 0) {
            return p;
        }
        if (p >= 1) {
            return 1;
        }
        if (p <= 0) {
            return -Math.expm1(-d); // kl(0, q) = -ln(1 - q): closed form
        }
        double upperLimit = Math.nextDown(1.0);
        if (kl(p, upperLimit) <= d) {
            return upperLimit;
        }
        double q = start > p && start < 1 ? start : p + (1 - p) / 2;
        for (int iter = 0; iter < 100; iter++) {
            double f = kl(p, q) - d;
            double slope = (q - p) / (q * (1 - q));
            double next = q - f / slope;
            if (next <= p) {
                next = (p + q) / 2;
            } else if (next >= 1) {
                next = (q + 1) / 2;
            }
            if (Math.abs(next - q) < TOLERANCE) {
                return next;
            }
            q = next;
        }
        return q;
    }

    @Override
    public BanditPolicy copy() {
        return new KlUcb();
    }
}

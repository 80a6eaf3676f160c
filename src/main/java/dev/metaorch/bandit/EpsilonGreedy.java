package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * ε-greedy: pull each arm once (round robin), then with probability ε pick uniformly among all
 * K arms, else the arm with the highest empirical mean, ties broken uniformly at random.
 * With {@code decaying}, ε_t = min(1, ε·K / t) (a separate named policy, "eps-decay").
 * Means are cached per arm and recomputed only when that arm's counts change.
 */
public final class EpsilonGreedy implements BanditPolicy {
    private final double epsilon;
    private final boolean decaying;
    private long[] cachedPulls = new long[0];
    private long[] cachedSuccesses = new long[0];
    private double[] mean = new double[0];

    public EpsilonGreedy(double epsilon, boolean decaying) {
        this.epsilon = epsilon;
        this.decaying = decaying;
    }

    @Override
    public String name() {
        return decaying ? "eps-decay" : "eps-greedy";
    }

    @Override
    public int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng) {
        int unpulled = BanditPolicy.firstUnpulled(pulls);
        if (unpulled >= 0) {
            return unpulled;
        }
        int k = pulls.length;
        double eps = decaying ? Math.min(1.0, epsilon * k / Math.max(1, total)) : epsilon;
        if (rng.nextDouble() < eps) {
            return rng.nextInt(k);
        }
        if (cachedPulls.length != k) {
            cachedPulls = new long[k];
            cachedSuccesses = new long[k];
            mean = new double[k];
        }
        int best = 0;
        int ties = 0;
        double bestMean = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            if (cachedPulls[i] != pulls[i] || cachedSuccesses[i] != successes[i]) {
                cachedPulls[i] = pulls[i];
                cachedSuccesses[i] = successes[i];
                mean[i] = (double) successes[i] / pulls[i];
            }
            double m = mean[i];
            if (m > bestMean) {
                bestMean = m;
                best = i;
                ties = 1;
            } else if (m == bestMean && rng.nextInt(++ties) == 0) {
                best = i; // reservoir sampling: uniform among the tied arms
            }
        }
        return best;
    }

    @Override
    public BanditPolicy copy() {
        return new EpsilonGreedy(epsilon, decaying);
    }
}

package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * UCB1 (Auer, Cesa-Bianchi, Fischer 2002): pull each arm once, then
 * argmax μ̂_i + √(2 ln n / N_i), n the pulls so far (first maximum on ties).
 * Per-arm μ̂ and 1/√N are cached and recomputed only for arms whose counts changed, so a pull
 * costs one log, one square root and K multiply-adds.
 */
public final class Ucb1 implements BanditPolicy {
    private long[] cachedPulls = new long[0];
    private long[] cachedSuccesses = new long[0];
    private double[] mean = new double[0];
    private double[] invSqrtN = new double[0];

    @Override
    public String name() {
        return "ucb1";
    }

    @Override
    public int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng) {
        int unpulled = BanditPolicy.firstUnpulled(pulls);
        if (unpulled >= 0) {
            return unpulled;
        }
        int k = pulls.length;
        if (cachedPulls.length != k) {
            cachedPulls = new long[k];
            cachedSuccesses = new long[k];
            mean = new double[k];
            invSqrtN = new double[k];
        }
        double root = Math.sqrt(2 * Math.log(total));
        int best = 0;
        double bestIndex = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            if (cachedPulls[i] != pulls[i] || cachedSuccesses[i] != successes[i]) {
                cachedPulls[i] = pulls[i];
                cachedSuccesses[i] = successes[i];
                mean[i] = (double) successes[i] / pulls[i];
                invSqrtN[i] = 1 / Math.sqrt(pulls[i]);
            }
            double index = mean[i] + root * invSqrtN[i];
            if (index > bestIndex) {
                bestIndex = index;
                best = i;
            }
        }
        return best;
    }

    @Override
    public BanditPolicy copy() {
        return new Ucb1();
    }
}

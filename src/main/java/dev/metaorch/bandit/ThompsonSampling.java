package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ChengBetaSampler;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;

/**
 * Thompson sampling: θ_i ~ Beta(a + S_i, b + F_i), pull argmax θ_i; no forced first round.
 * Prior (a, b) defaults to (1, 1). Beta draws by Cheng's algorithm (Commons RNG); each arm's
 * sampler is kept and rebuilt only when that arm's counts (or the random stream) change, so a
 * pull sets up one sampler instead of K.
 */
public final class ThompsonSampling implements BanditPolicy {
    private final double priorA;
    private final double priorB;
    private long[] cachedPulls = new long[0];
    private long[] cachedSuccesses = new long[0];
    private ContinuousSampler[] samplers = new ContinuousSampler[0];
    private UniformRandomProvider cachedRng;

    public ThompsonSampling(double priorA, double priorB) {
        this.priorA = priorA;
        this.priorB = priorB;
    }

    public double priorA() {
        return priorA;
    }

    public double priorB() {
        return priorB;
    }

    @Override
    public String name() {
        return "thompson";
    }

    @Override
    public int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng) {
        int k = pulls.length;
        if (samplers.length != k || cachedRng != rng) {
            samplers = new ContinuousSampler[k];
            cachedPulls = new long[k];
            cachedSuccesses = new long[k];
            cachedRng = rng;
        }
        int best = 0;
        double bestTheta = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            if (samplers[i] == null || cachedPulls[i] != pulls[i] || cachedSuccesses[i] != successes[i]) {
                samplers[i] = ChengBetaSampler.of(rng, priorA + successes[i], priorB + pulls[i] - successes[i]);
                cachedPulls[i] = pulls[i];
                cachedSuccesses[i] = successes[i];
            }
            double theta = samplers[i].sample();
            if (theta > bestTheta) {
                bestTheta = theta;
                best = i;
            }
        }
        return best;
    }

    @Override
    public BanditPolicy copy() {
        return new ThompsonSampling(priorA, priorB);
    }
}

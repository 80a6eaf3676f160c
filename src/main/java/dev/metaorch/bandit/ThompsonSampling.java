package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.AhrensDieterMarsagliaTsangGammaSampler;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;

/**
 * Thompson sampling: θ_i ~ Beta(a + S_i, b + F_i), pull argmax θ_i; no forced first round.
 * Prior (a, b) defaults to (1, 1). A Beta(α, β) draw is X / (X + Y) with X ~ Gamma(α) and
 * Y ~ Gamma(β), exact, from Commons RNG's Marsaglia–Tsang (Ahrens–Dieter below shape 1) gamma
 * samplers. Each arm keeps its two gamma samplers and a pull rebuilds only the one whose shape
 * changed (a success moves α, a failure β): faster than setting up Cheng's Beta sampler per draw
 * (ADR-014).
 */
public final class ThompsonSampling implements BanditPolicy {
    private final double priorA;
    private final double priorB;
    private long[] cachedPulls = new long[0];
    private long[] cachedSuccesses = new long[0];
    private ContinuousSampler[] alpha = new ContinuousSampler[0];
    private ContinuousSampler[] beta = new ContinuousSampler[0];
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
        if (alpha.length != k || cachedRng != rng) {
            alpha = new ContinuousSampler[k];
            beta = new ContinuousSampler[k];
            cachedPulls = new long[k];
            cachedSuccesses = new long[k];
            cachedRng = rng;
        }
        int best = 0;
        double bestTheta = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            long failures = pulls[i] - successes[i];
            if (alpha[i] == null || cachedSuccesses[i] != successes[i]) {
                alpha[i] = AhrensDieterMarsagliaTsangGammaSampler.of(rng, priorA + successes[i], 1);
            }
            if (beta[i] == null || cachedPulls[i] - cachedSuccesses[i] != failures) {
                beta[i] = AhrensDieterMarsagliaTsangGammaSampler.of(rng, priorB + failures, 1);
            }
            cachedPulls[i] = pulls[i];
            cachedSuccesses[i] = successes[i];
            double x = alpha[i].sample();
            double theta = x / (x + beta[i].sample());
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

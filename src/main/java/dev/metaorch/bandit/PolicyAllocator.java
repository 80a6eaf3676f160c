package dev.metaorch.bandit;

import dev.metaorch.runner.Allocator;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The hub's adaptive allocation: a bandit policy picks the variant of the next session
 * (reward = session success). Sessions in flight are pending evidence: index policies see them
 * as pulls without a success yet (so they do not pile onto an arm whose results are still out,
 * and the first round reaches every arm before any result is in); Thompson sampling draws
 * from the posterior of finished sessions only, its randomness spreading concurrent launches.
 */
public final class PolicyAllocator implements Allocator {
    private final BanditPolicy policy;
    private final UniformRandomProvider rng;
    private final boolean countPending;

    public PolicyAllocator(BanditPolicy policy, long seed) {
        this.policy = policy.copy();
        this.rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        this.countPending = !(policy instanceof ThompsonSampling);
    }

    @Override
    public int next(long[] finished, long[] successes, long[] pending, long[] launched) {
        long[] pulls = new long[finished.length];
        long total = 0;
        for (int i = 0; i < pulls.length; i++) {
            pulls[i] = finished[i] + (countPending ? pending[i] : 0);
            total += pulls[i];
        }
        return policy.select(pulls, successes, Math.max(1, total), rng);
    }
}

package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * An allocation policy for Bernoulli bandits, shared by the simulator and the hub. Policies are
 * stateless functions of the evidence (pulls and successes per arm) plus a random stream, so
 * the hub can present pending sessions as it sees fit; {@link #select} may keep per-arm caches
 * (warm starts) but must not depend on them for its result.
 */
public interface BanditPolicy {
    /** Short name used on the command line and in JSON. */
    String name();

    /** The arm to pull next, given pulls and successes so far ({@code total} = Σ pulls). */
    int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng);

    /** A fresh instance (policies with caches are not shared between runs or threads). */
    BanditPolicy copy();

    /** The first arm never pulled, or -1 (the "pull each arm once" round robin). */
    static int firstUnpulled(long[] pulls) {
        for (int i = 0; i < pulls.length; i++) {
            if (pulls[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}

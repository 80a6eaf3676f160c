package dev.metaorch.runner;

/**
 * Chooses which variant (arm index) gets the next session of the hub. Implementations see the
 * evidence so far: per arm, finished sessions, successes and sessions still in flight.
 */
public interface Allocator {
    /** Index of the arm for the next session, or -1 when no arm should get one now. */
    int next(long[] finished, long[] successes, long[] pending, long[] launched);

    /** Uniform allocation: round robin until each arm has its share. */
    static Allocator uniform(long perArm) {
        return (finished, successes, pending, launched) -> {
            int best = -1;
            for (int i = 0; i < launched.length; i++) {
                if (launched[i] < perArm && (best < 0 || launched[i] < launched[best])) {
                    best = i;
                }
            }
            return best;
        };
    }
}

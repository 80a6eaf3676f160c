package dev.metaorch.runner;

import dev.metaorch.common.Hashing;
import dev.metaorch.config.Task;

/** One logical session: an arm, its index in the arm's sequence ({@code pair}), a repeat and a task. */
public record SessionJob(ArmSetup arm, long pair, int repeat, Task task) {

    public String sessionId(String runId) {
        return runId + "/" + arm.arm() + "/" + pair + (repeat > 0 ? "/r" + repeat : "");
    }

    /** The session's seed: derived from (run seed, arm, pair, repeat), independent of scheduling. */
    public long seed(long runSeed) {
        return Hashing.deriveSeed(runSeed, arm.arm(), pair, repeat);
    }
}

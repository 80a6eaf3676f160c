package dev.metaorch.variant;

import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One session to run: its index in the arm's sequence ({@code pair}), the task, the arm's resolved config, the session's seed (derived from
 * run seed, arm, pair and repeat), the attempt number, its deadline and cancellation signal,
 * limits, and where the agent's stderr goes.
 */
public record SessionRequest(String sessionId, long pair, Task task, ResolvedConfig config, long seed, int attempt,
        Instant deadline, Cancellation cancellation, Limits limits, Path stderrLog) {

    public record Limits(double timeoutS, int maxSteps, double maxCostUsd) {
    }
}

package dev.metaorch.variant;

import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One session to run: its index in the arm's sequence ({@code pair}), the task, the arm's resolved config, the session's seed (derived from
 * run seed, arm, pair and repeat), the attempt number, its deadline and cancellation signal,
 * limits, where the agent's stderr goes, and where agent processes are recorded
 * ({@code agents}: null when nothing tracks them, e.g. a variant run outside a runner).
 */
public record SessionRequest(String sessionId, long pair, Task task, ResolvedConfig config, long seed, int attempt,
        Instant deadline, Cancellation cancellation, Limits limits, Path stderrLog, AgentProcesses agents) {

    /** A request whose agent processes are not tracked. */
    public SessionRequest(String sessionId, long pair, Task task, ResolvedConfig config, long seed, int attempt,
            Instant deadline, Cancellation cancellation, Limits limits, Path stderrLog) {
        this(sessionId, pair, task, config, seed, attempt, deadline, cancellation, limits, stderrLog, null);
    }

    /** {@link #agents}, or {@link AgentProcesses#UNTRACKED} when there is none. */
    public AgentProcesses agentProcesses() {
        return agents == null ? AgentProcesses.UNTRACKED : agents;
    }

    public record Limits(double timeoutS, int maxSteps, double maxCostUsd) {
    }
}

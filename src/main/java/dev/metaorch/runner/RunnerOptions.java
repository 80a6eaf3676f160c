package dev.metaorch.runner;

import java.nio.file.Path;

/**
 * How the runner runs sessions: concurrency, per-session timeout, retries of infrastructure
 * outcomes with exponential backoff (base {@code backoffMs}, doubling, capped at 30 s), step
 * and cost limits passed to agents, and where agent stderr logs go.
 */
public record RunnerOptions(int concurrency, double timeoutS, int retries, long backoffMs, int maxSteps,
        double maxCostPerSessionUsd, Path logDir) {
}

package dev.metaorch.store;

import java.time.Duration;

/**
 * A run coordinated through a team store: where the store is, how many sessions this process
 * runs itself as a worker (0: only remote workers; null: the run's concurrency), and the lease
 * of those local workers.
 */
public record TeamOptions(StoreUrl url, Integer localWorkers, Duration lease) {
    /** The sessions this process runs at once for a run of concurrency {@code runConcurrency}. */
    public int localWorkersFor(int runConcurrency) {
        return localWorkers == null ? runConcurrency : localWorkers;
    }
}

package dev.metaorch.experiment;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code run-experiment} was asked to do. Null fields fall back to the test config's
 * {@code run} and {@code stopping} blocks. {@code tasksLabel} (e.g. "discriminative") restricts
 * the plan to tasks that the history in results/ labels so; {@code metric} overrides the metric the
 * hypothesis (or stopping.metric) names. {@code team}, when set, coordinates the run through a
 * PostgreSQL store whose workers run the sessions.
 */
public record ExperimentOptions(
        Path control,
        Path test,
        List<String> overrides,
        String method,
        Integer maxSessions,
        Double maxCost,
        Integer concurrency,
        Long seed,
        String runId,
        boolean force,
        Path resultsDir,
        Path pluginDir,
        Path prices,
        long backoffMs,
        String tasksLabel,
        String metric,
        dev.metaorch.store.TeamOptions team) {

    /** A run on this machine only (no team store). */
    public ExperimentOptions(Path control, Path test, List<String> overrides, String method, Integer maxSessions,
            Double maxCost, Integer concurrency, Long seed, String runId, boolean force, Path resultsDir, Path pluginDir,
            Path prices, long backoffMs, String tasksLabel, String metric) {
        this(control, test, overrides, method, maxSessions, maxCost, concurrency, seed, runId, force, resultsDir,
                pluginDir, prices, backoffMs, tasksLabel, metric, null);
    }
}

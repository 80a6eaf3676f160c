package dev.metaorch.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import java.util.Map;
import java.util.Optional;

/**
 * A run folder held by this process (see {@link RunOpener}): closing it releases the run lock.
 * After a resume, {@link #config}, {@link #suite} and {@link #prices} give the run's snapshot
 * (the resolved configs, and the copies of the task suites and price tables in the run folder),
 * so the run goes on with exactly what it started with, from any working directory.
 */
public final class OpenRun implements AutoCloseable {
    private final RunLock lock;
    private final RunFolder folder;
    private final ObjectNode manifest;
    private final RunSnapshot snapshot;
    private final Map<String, ResolvedConfig> configs;
    private final boolean resumed;

    OpenRun(RunLock lock, RunFolder folder, ObjectNode manifest, RunSnapshot snapshot, Map<String, ResolvedConfig> configs,
            boolean resumed) {
        this.lock = lock;
        this.folder = folder;
        this.manifest = manifest;
        this.snapshot = snapshot;
        this.configs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(configs));
        this.resumed = resumed;
    }

    public RunFolder folder() {
        return folder;
    }

    public String runId() {
        return folder.runId();
    }

    /** The content of {@code run.json}. */
    public ObjectNode manifest() {
        return manifest;
    }

    /** The snapshot; empty for a run started by a metaorch that wrote none. */
    public Optional<RunSnapshot> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    public boolean resumed() {
        return resumed;
    }

    public RunLock.Holder holder() {
        return lock.holder();
    }

    /** The resolved config an arm runs with. */
    public ResolvedConfig config(String arm) {
        ResolvedConfig c = configs.get(arm);
        if (c == null) {
            throw MetaorchException.invalidInput(folder.manifest() + ": run " + runId() + " has no arm '" + arm
                    + "' (arms: " + String.join(", ", configs.keySet()) + ")");
        }
        return c;
    }

    /** The arms, in the order they were given when the run started. */
    public java.util.Set<String> arms() {
        return snapshot != null ? snapshot.configs().keySet() : configs.keySet();
    }

    /** The arm's task suite: its snapshot copy, or (older runs) the file its config names. */
    public TaskSuite suite(String arm) {
        if (snapshot != null && snapshot.suites().containsKey(arm)) {
            return TaskSuite.load(folder.dir().resolve(snapshot.suites().get(arm).copy()));
        }
        return TaskSuite.load(config(arm).tasksPath());
    }

    /**
     * The arm's price table: its snapshot copy, or (older runs) the table found beside its
     * config or in {@code configs/} unless {@code --prices} names one.
     */
    public PriceTable prices(String arm, java.nio.file.Path explicitForOlderRuns) {
        if (snapshot != null && snapshot.prices().containsKey(arm)) {
            return PriceTable.load(folder.dir().resolve(snapshot.prices().get(arm).copy()));
        }
        return PriceTable.locate(explicitForOlderRuns, config(arm).chain());
    }

    @Override
    public void close() {
        lock.close();
    }
}

package dev.metaorch.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A run coordinated through a team store, as the commands that launch sessions see it (the
 * PostgreSQL implementation is {@code store.StoreCoordinator}): the run is published, locked,
 * rebuilt on another machine, its local log brought up to date, its sessions run by workers,
 * and its end recorded.
 */
public interface TeamRun extends AutoCloseable {
    /** An arm of a new run, with the suite and prices its workers need. */
    record Arm(ArmSetup setup, TaskSuite suite, PriceTable prices) {
    }

    /** The manifest field (run.json) that names the store a run was coordinated through. */
    String MANIFEST_FIELD = "team_store";

    /** The store, for messages and run.json (a password hidden). */
    String storeName();

    /**
     * A resume without a store: refused when the run was coordinated through one (its rest would be
     * run here and paid for again by the store's workers).
     */
    static void refuseResumeWithoutStore(RunFolder folder) throws IOException {
        if (!java.nio.file.Files.isRegularFile(folder.manifest())) {
            return;
        }
        String store = dev.metaorch.common.JsonFiles.read(folder.manifest(), folder.manifest().toString(), "run manifest")
                .path(MANIFEST_FIELD).asText("");
        if (!store.isEmpty()) {
            throw dev.metaorch.common.MetaorchException.invalidInput("--resume " + folder.runId() + ": the run is "
                    + "coordinated through the team store " + store + "; resume it with --store (or METAORCH_STORE) "
                    + "naming that store");
        }
    }

    /** Writes the run's folder from the store when this machine lacks it (a resume elsewhere). */
    boolean materialize(RunFolder folder) throws IOException;

    /** Takes the run's coordinator lock, or refuses naming who holds it. */
    void lock(String runId);

    /** Publishes a new run of {@code kind}: its row, its arms, its folder's files and hashes. */
    void publish(RunFolder folder, String kind, long seed, long capNanoUsd, ObjectNode manifest, ObjectNode runner,
            List<Arm> arms);

    /** Appends to the local log what the store holds that it lacks. */
    void syncLocalLog(String runId, JsonlSessionStore local) throws IOException;

    /** The executor of the run's sessions: the store's queue (plus this process's worker, if asked). */
    SessionExecutor executor(String runId, long seed, BudgetGate gate, int retries, long backoffMs,
            Map<String, ArmSetup> arms, JsonlSessionStore mirror, VariantRegistry registry, Path workerRoot,
            int runConcurrency);

    /** Records the run's end. */
    void finish(String runId, String state, String decision, Double llr, long pairs, JsonNode result);

    /** What to do when the run's lock is lost to another coordinator. */
    void onLockLost(Runnable action);

    @Override
    void close();
}

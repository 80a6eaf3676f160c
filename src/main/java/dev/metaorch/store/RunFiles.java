package dev.metaorch.store;

/**
 * Which files of a run folder the store keeps, for the coordinator and for import: the log is
 * kept as records; agent logs, locks, the in-flight agent list and worker folders stay local.
 */
public final class RunFiles {
    private RunFiles() {
    }

    /** {@code rel}: a path relative to the run folder, with '/' separators. */
    public static boolean kept(String rel) {
        return !rel.equals("sessions.jsonl") && !rel.startsWith("logs/")
                && !rel.endsWith(".lock") && !rel.equals("agents.inflight") && !rel.startsWith("worker/");
    }
}

package dev.metaorch.store;

/** Which files of a run folder the store keeps (the log is kept as records; logs and locks stay local). */
public final class RunFiles {
    private RunFiles() {
    }

    /** {@code rel}: a path relative to the run folder, with '/' separators. */
    public static boolean kept(String rel) {
        return !rel.equals("sessions.jsonl") && !rel.startsWith("sessions.jsonl.") && !rel.startsWith("logs/")
                && !rel.endsWith(".lock") && !rel.equals("agents.inflight") && !rel.startsWith("worker/");
    }
}

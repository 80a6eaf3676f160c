package dev.metaorch.runner;

import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.ResolvedConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** The files of one run: {@code results/runs/<run-id>/}. */
public record RunFolder(Path resultsDir, String runId) {
    public RunFolder {
        SafeIds.require("run id", runId);
    }

    /** A fresh run id: {@code <label>-<yyyyMMdd-HHmmss>} (validated). */
    public static String newRunId(String label) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        return SafeIds.isSafe(label) ? label + "-" + stamp : "run-" + stamp;
    }

    public Path dir() {
        return resultsDir.resolve("runs").resolve(runId);
    }

    public Path sessions() {
        return dir().resolve("sessions.jsonl");
    }

    public Path result() {
        return dir().resolve("result.json");
    }

    public Path manifest() {
        return dir().resolve("run.json");
    }

    public Path logs() {
        return dir().resolve("logs");
    }

    public Path config(String arm) {
        return dir().resolve("config." + arm + ".json");
    }

    /**
     * Whether the folder exists. Not a test before creating a run: {@link RunOpener} creates
     * the folder atomically and locks it (an "exists?" check followed by a creation let two
     * runs with one id both proceed).
     */
    public boolean exists() {
        return Files.isDirectory(dir());
    }

    /**
     * Writes the arm's resolved config as run (atomically), with the task suite's absolute path
     * (and {@code params.working_dir}'s) so a resume from any working directory finds it.
     */
    public void writeConfig(String arm, ResolvedConfig config) throws IOException {
        var tree = config.tree().deepCopy();
        tree.put("tasks", config.tasksPath().toAbsolutePath().normalize().toString());
        // params.working_dir is relative to the config file: the snapshot lives elsewhere (resume, replay)
        if (tree.path("params").path("working_dir").isTextual() && tree.get("params") instanceof com.fasterxml.jackson.databind.node.ObjectNode p) {
            p.put("working_dir", config.file().toAbsolutePath().getParent().resolve(p.get("working_dir").asText()).normalize().toString());
        }
        AtomicFiles.writeJson(config(arm), tree);
    }
}

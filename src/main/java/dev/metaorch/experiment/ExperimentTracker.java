package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.JsonlSessionStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code results/experiments.jsonl}: an append-only event log of experiment runs. A run appends
 * a {@code running} line when it starts and one with its final status when it ends; readers
 * fold the lines by {@code run_id} (the last line wins). Appends are durable and locked like
 * the session log, so concurrent experiments never lose a line.
 */
public final class ExperimentTracker {
    private final Path file;

    public ExperimentTracker(Path resultsDir) {
        this.file = resultsDir.resolve("experiments.jsonl");
    }

    public Path file() {
        return file;
    }

    /**
     * Appends one line, durably and under the lock. A torn last line (a crash or a full disk
     * during an earlier append) is moved aside first, so the new line starts on a line of its
     * own; the returned warnings say so.
     */
    public List<String> append(ObjectNode entry) throws IOException {
        try (JsonlSessionStore log = JsonlSessionStore.open(file)) {
            log.appendLine(Json.line(entry));
            return log.warnings();
        }
    }

    /** The latest entry of one run, if the tracker has any. */
    public Optional<ObjectNode> latest(String runId) throws IOException {
        return runs().stream().filter(o -> o.path("run_id").asText().equals(runId)).findFirst();
    }

    /** Every run's latest entry, in order of first appearance. */
    public List<ObjectNode> runs() throws IOException {
        Map<String, ObjectNode> byRun = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return List.of();
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = Json.mapper().readTree(line);
                    if (n instanceof ObjectNode o && o.has("run_id")) {
                        byRun.put(o.get("run_id").asText(), o);
                    }
                } catch (IOException e) {
                    // a torn or corrupt tracker line: skipped here, repaired on the next append
                }
            }
        }
        return new ArrayList<>(byRun.values());
    }
}

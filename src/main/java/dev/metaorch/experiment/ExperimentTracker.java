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
public final class ExperimentTracker implements TrackerSource {
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
        return fold(lines());
    }

    /** The file's lines, blank ones left out; none when the file does not exist yet. */
    @Override
    public List<String> lines() throws IOException {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    /**
     * Folds tracker lines by {@code run_id}: every run's latest entry, in order of first
     * appearance. A torn or corrupt line is skipped (the next append repairs a torn tail).
     */
    public static List<ObjectNode> fold(List<String> lines) {
        Map<String, ObjectNode> byRun = new LinkedHashMap<>();
        for (String line : lines) {
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
        return new ArrayList<>(byRun.values());
    }
}

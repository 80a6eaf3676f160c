package dev.metaorch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.FileLocks;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code results/hashes.dict}: prompt-component hash to text, so analysis can follow a
 * guideline across configs. Updates read-merge-write under an exclusive lock on
 * {@code .hashes.dict.lock} and replace the file atomically, so concurrent writers (threads or
 * processes) never lose an entry.
 */
public final class HashDictionary {
    private final Path file;

    public HashDictionary(Path resultsDir) {
        this.file = resultsDir.resolve("hashes.dict");
    }

    public Path file() {
        return file;
    }

    /** Adds entries (hash to text); returns how many were new. */
    @SuppressWarnings("try") // the lock is held for the scope of the block
    public int addAll(Map<String, String> entries) throws IOException {
        try (FileLocks.Held lock = FileLocks.acquire(file.resolveSibling(".hashes.dict.lock"))) {
            TreeMap<String, String> all = new TreeMap<>(read());
            int before = all.size();
            all.putAll(entries);
            if (all.size() != before) {
                AtomicFiles.writeJson(file, all);
            }
            return all.size() - before;
        }
    }

    /** The whole dictionary; empty when the file does not exist yet. */
    public Map<String, String> read() throws IOException {
        if (!Files.exists(file)) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw MetaorchException.invalidInput(file + ": /: not a valid hash dictionary: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode obj)) {
            throw MetaorchException.invalidInput(file + ": /: expected a JSON object of hash to text");
        }
        TreeMap<String, String> map = new TreeMap<>();
        obj.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }
}

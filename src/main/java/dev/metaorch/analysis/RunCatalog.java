package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.SafeIds;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The runs of a results folder ({@code results/runs/<id>/}) as {@link RunInfo}s, oldest first.
 * Reads only small files: {@code run.json}, {@code config.<arm>.json} and the first line of
 * {@code sessions.jsonl}.
 */
public final class RunCatalog {
    private static final Set<String> SIMULATED_VARIANTS = Set.of("simulated", "caching");
    private final Path results;

    public RunCatalog(Path results) {
        this.results = results;
    }

    public Path results() {
        return results;
    }

    /** Every run with a session log or a manifest, oldest first (ties by id). */
    public List<RunInfo> runs() throws IOException {
        Path runs = results.resolve("runs");
        List<RunInfo> out = new ArrayList<>();
        if (!Files.isDirectory(runs)) {
            return out;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(runs)) {
            dirs = s.filter(Files::isDirectory).filter(d -> SafeIds.isSafe(d.getFileName().toString())).sorted().toList();
        }
        for (Path d : dirs) {
            read(d).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(RunInfo::startedAt).thenComparing(RunInfo::runId));
        return out;
    }

    public Optional<RunInfo> run(String runId) throws IOException {
        Path d = results.resolve("runs").resolve(SafeIds.require("RUN_ID", runId));
        return Files.isDirectory(d) ? read(d) : Optional.empty();
    }

    private Optional<RunInfo> read(Path dir) throws IOException {
        Path manifest = dir.resolve("run.json");
        Path log = dir.resolve("sessions.jsonl");
        if (!Files.isRegularFile(manifest) && !Files.isRegularFile(log)) {
            return Optional.empty();
        }
        List<Path> configs;
        try (Stream<Path> s = Files.list(dir)) {
            configs = s.filter(p -> isConfig(p.getFileName().toString())).sorted().toList();
        }
        Map<String, JsonNode> configTrees = new LinkedHashMap<>();
        for (Path c : configs) {
            configTrees.put(c.getFileName().toString(), readJson(c));
        }
        JsonNode m = Files.isRegularFile(manifest) ? readJson(manifest) : null;
        Instant modified = Files.getLastModifiedTime(Files.isRegularFile(log) ? log : manifest).toInstant();
        return Optional.of(info(dir.getFileName().toString(), m, configTrees, firstRecord(log), modified, dir));
    }

    /** True for the name of an arm's resolved config in a run folder: {@code config.<arm>.json}. */
    public static boolean isConfig(String fileName) {
        return fileName.matches("config\\..+\\.json");
    }

    /**
     * A run's {@link RunInfo} from what its folder (or a team store) holds: its manifest (null when
     * none), its configs by file name in name order (a null tree for one that is not JSON), its first
     * record (null when none), when it was last written (the start when nothing else says it) and
     * its folder (null for a store's run).
     */
    public static RunInfo info(String id, JsonNode m, Map<String, JsonNode> configs, JsonNode first, Instant modified,
            Path dir) {
        Map<String, String> arms = new LinkedHashMap<>();
        Set<String> variants = new TreeSet<>();
        Set<String> suites = new TreeSet<>();
        for (Map.Entry<String, JsonNode> c : configs.entrySet()) {
            String name = c.getKey();
            String arm = name.substring("config.".length(), name.length() - ".json".length());
            JsonNode tree = c.getValue();
            if (tree == null) {
                continue;
            }
            arms.put(arm, tree.path("experiment_id").asText(arm));
            variants.add(tree.path("variant").asText("simulated"));
            String tasks = tree.path("tasks").asText("");
            if (!tasks.isEmpty()) {
                suites.add(Path.of(tasks).getFileName().toString());
            }
        }
        RunInfo.Kind kind = m != null && "run-experiment".equals(m.path("kind").asText()) ? RunInfo.Kind.AB
                : configs.isEmpty() ? RunInfo.Kind.IMPORT : RunInfo.Kind.HUB;
        RunInfo.Origin origin;
        String suite;
        if (kind == RunInfo.Kind.IMPORT) {
            origin = RunInfo.Origin.IMPORTED;
            suite = "imported " + (first == null ? "log" : first.path("variant").asText("log"));
            if (first != null) {
                arms.put(first.path("arm").asText("import"), first.path("experiment_id").asText(id));
            }
        } else {
            origin = SIMULATED_VARIANTS.containsAll(variants) ? RunInfo.Origin.SIMULATED : RunInfo.Origin.AGENT;
            suite = suites.isEmpty() ? "unknown suite" : String.join("+", suites);
        }
        String experiment = switch (kind) {
            case AB -> arms.getOrDefault("test", id);
            case HUB -> "hub of " + String.join(", ", new TreeSet<>(arms.values()));
            case IMPORT -> arms.values().stream().findFirst().orElse(id);
        };
        Instant started = instant(m == null ? null : m.path("created_at").asText(null));
        if (started == null && first != null) {
            started = instant(first.path("started_at").asText(null));
        }
        if (started == null) {
            started = modified;
        }
        return new RunInfo(id, kind, java.util.Collections.unmodifiableMap(arms), experiment, origin, suite, started, dir);
    }

    private static Instant instant(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static JsonNode readJson(Path p) {
        try {
            return Json.mapper().readTree(Files.readString(p));
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode firstRecord(Path log) {
        if (!Files.isRegularFile(log)) {
            return null;
        }
        try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            return line == null || line.isBlank() ? null : Json.mapper().readTree(line);
        } catch (IOException e) {
            return null;
        }
    }
}

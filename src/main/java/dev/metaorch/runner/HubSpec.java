package dev.metaorch.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code configs/hub.json}: the hub's variants (experiment configs, relative to the hub file),
 * sessions per variant, seed, composite-score weights and the reference scales of the cost and
 * latency utilities ({@code "reference": {"cost_usd": 0.01, "latency_s": 30}}, see {@link HubRanking}).
 */
public record HubSpec(Path file, List<Path> variants, int sessionsPerVariant, long seed, Map<String, Double> weights,
        double maxCostUsd, HubRanking.Scales scales) {
    public static final Map<String, Double> DEFAULT_WEIGHTS = defaultWeights();

    private static Map<String, Double> defaultWeights() {
        Map<String, Double> w = new LinkedHashMap<>();
        w.put("success", 0.5);
        w.put("cost", 0.2);
        w.put("latency", 0.15);
        w.put("autonomy", 0.15);
        return java.util.Collections.unmodifiableMap(w);
    }

    public static HubSpec load(Path file) {
        String name = ConfigLoader.display(file);
        JsonNode root = JsonFiles.read(file, name, "hub file");
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw MetaorchException.invalidInput(name + ": /: expected a JSON object");
        }
        JsonNode vs = root.path("variants");
        if (!vs.isArray() || vs.isEmpty()) {
            problems.add(name + ": /variants: expected a non-empty array of config files");
        }
        List<Path> variants = new ArrayList<>();
        for (int i = 0; i < vs.size(); i++) {
            if (!vs.get(i).isTextual()) {
                problems.add(name + ": /variants/" + i + ": expected a config file name");
            } else {
                variants.add(resolve(file, vs.get(i).asText()));
            }
        }
        int spv = root.path("sessions_per_variant").asInt(48);
        if (root.has("sessions_per_variant") && (!root.get("sessions_per_variant").isIntegralNumber() || spv < 1)) {
            problems.add(name + ": /sessions_per_variant: must be an integer >= 1");
        }
        Map<String, Double> weights = new LinkedHashMap<>(DEFAULT_WEIGHTS);
        root.path("weights").properties().forEach(e -> {
            if (!DEFAULT_WEIGHTS.containsKey(e.getKey())) {
                problems.add(name + ": /weights/" + e.getKey() + ": unknown weight (success, cost, latency, autonomy)");
            } else if (!e.getValue().isNumber() || e.getValue().asDouble() < 0) {
                problems.add(name + ": /weights/" + e.getKey() + ": must be a number >= 0");
            } else {
                weights.put(e.getKey(), e.getValue().asDouble());
            }
        });
        double maxCost = root.path("max_cost_usd").asDouble(25.0);
        if (root.has("max_cost_usd") && (!root.get("max_cost_usd").isNumber() || maxCost <= 0)) {
            problems.add(name + ": /max_cost_usd: must be a number > 0");
        }
        double[] scales = {HubRanking.Scales.DEFAULT.costUsd(), HubRanking.Scales.DEFAULT.latencyS()};
        String[] scaleKeys = {"cost_usd", "latency_s"};
        root.path("reference").properties().forEach(e -> {
            int i = java.util.Arrays.asList(scaleKeys).indexOf(e.getKey());
            if (i < 0) {
                problems.add(name + ": /reference/" + e.getKey() + ": unknown reference scale (cost_usd, latency_s)");
            } else if (!e.getValue().isNumber() || e.getValue().asDouble() <= 0) {
                problems.add(name + ": /reference/" + e.getKey() + ": must be a number > 0");
            } else {
                scales[i] = e.getValue().asDouble();
            }
        });
        if (!problems.isEmpty()) {
            throw MetaorchException.invalidInput(problems);
        }
        return new HubSpec(file, variants, spv, root.path("seed").asLong(7), weights, maxCost,
                new HubRanking.Scales(scales[0], scales[1]));
    }

    /** A variant named on the command line: a path, or a config name beside the hub file. */
    public static Path resolve(Path hubFile, String ref) {
        Path dir = hubFile.toAbsolutePath().getParent();
        for (String candidate : List.of(ref, ref + ".json", "hub/" + ref + ".json")) {
            Path p = dir.resolve(candidate).normalize();
            if (Files.isRegularFile(p)) {
                return Path.of(ConfigLoader.relativeToWorkingDirectory(p));
            }
        }
        Path direct = Path.of(ref);
        return Files.isRegularFile(direct) ? direct : Path.of(ConfigLoader.relativeToWorkingDirectory(dir.resolve(ref)));
    }
}

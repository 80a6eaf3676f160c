package dev.metaorch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A config after inheritance, overrides, validation and defaults. {@code tree} is the merged
 * JSON (loadable again as a config); {@code sources} maps each leaf's JSON pointer to the file,
 * {@code --set} or {@code (default)} that supplied it.
 */
public record ResolvedConfig(
        Path file,
        List<Path> chain,
        ObjectNode tree,
        Map<String, String> sources,
        List<String> warnings,
        List<String> guidelineHashes,
        String configHash) {

    public String experimentId() {
        return tree.path("experiment_id").asText();
    }

    public Optional<String> parent() {
        return Optional.ofNullable(tree.get("parent")).map(JsonNode::asText);
    }

    public String description() {
        return tree.path("description").asText("");
    }

    public String variant() {
        return tree.path("variant").asText();
    }

    public String modelId() {
        return tree.path("model_id").asText();
    }

    public List<String> guidelines() {
        List<String> list = new ArrayList<>();
        tree.path("guidelines").forEach(n -> list.add(n.asText()));
        return list;
    }

    public ObjectNode params() {
        return (ObjectNode) tree.get("params");
    }

    public Path tasksPath() {
        return Path.of(tree.path("tasks").asText());
    }

    public List<String> taskCodes() {
        List<String> list = new ArrayList<>();
        tree.path("task_codes").forEach(n -> list.add(n.asText()));
        return list;
    }

    public Optional<ObjectNode> hypothesis() {
        return tree.get("hypothesis") instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
    }

    public RunSettings run() {
        JsonNode r = tree.path("run");
        return new RunSettings(r.path("max_sessions").asInt(), r.path("max_cost_usd").asDouble(),
                r.path("concurrency").asInt(), r.path("timeout_s").asDouble(), r.path("retries").asInt(),
                r.path("seed").asLong(), r.path("max_steps").asInt(), r.path("circuit_breaker").asInt(10));
    }

    public StoppingSettings stopping() {
        JsonNode s = tree.path("stopping");
        return new StoppingSettings(s.path("method").asText(), s.path("metric").asText(), s.path("alpha").asDouble(),
                s.path("beta").asDouble(), s.path("min_effect").asDouble(), s.path("design").asText(),
                s.path("test").asText(), s.path("direction").asText(), s.path("discordance").asDouble(),
                s.has("max_pairs") ? s.get("max_pairs").asInt() : null);
    }

    /** The file (or {@code --set}, {@code (default)}) that supplied the value at {@code pointer}. */
    public String sourceOf(String pointer) {
        return ConfigLoader.sourceOf(pointer, sources, file.toString());
    }

    public record RunSettings(int maxSessions, double maxCostUsd, int concurrency, double timeoutS, int retries,
            long seed, int maxSteps, int circuitBreaker) {
    }

    public record StoppingSettings(String method, String metric, double alpha, double beta, double minEffect,
            String design, String test, String direction, double discordance, Integer maxPairs) {
    }
}

package dev.metaorch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Upgrades older config layouts to the current one (schema_version 1). The seed document's
 * configs were flat ({@code experiment_id}, {@code parent}, {@code model_id}, {@code guidelines},
 * with run and SPRT settings at the top level): those keys move into {@code run} and
 * {@code stopping}.
 */
final class Migration {
    private static final Map<String, String> FLAT_TO_NESTED = Map.ofEntries(
            Map.entry("model", "/model_id"),
            Map.entry("max_sessions", "/run/max_sessions"),
            Map.entry("max_cost_usd", "/run/max_cost_usd"),
            Map.entry("concurrency", "/run/concurrency"),
            Map.entry("timeout_s", "/run/timeout_s"),
            Map.entry("retries", "/run/retries"),
            Map.entry("seed", "/run/seed"),
            Map.entry("method", "/stopping/method"),
            Map.entry("alpha", "/stopping/alpha"),
            Map.entry("beta", "/stopping/beta"),
            Map.entry("min_effect", "/stopping/min_effect"),
            Map.entry("min_effect_size", "/stopping/min_effect"));

    private Migration() {
    }

    static void fromFlatLayout(ObjectNode config) {
        for (Map.Entry<String, String> e : FLAT_TO_NESTED.entrySet()) {
            JsonNode value = config.remove(e.getKey());
            if (value == null) {
                continue;
            }
            if (value.isTextual() && e.getKey().equals("method")) {
                value = com.fasterxml.jackson.databind.node.TextNode.valueOf(value.asText().toLowerCase());
            }
            String[] parts = e.getValue().substring(1).split("/");
            ObjectNode node = config;
            for (int i = 0; i < parts.length - 1; i++) {
                node = node.get(parts[i]) instanceof ObjectNode o ? o : node.putObject(parts[i]);
            }
            node.set(parts[parts.length - 1], value);
        }
        config.put("schema_version", 1);
    }
}

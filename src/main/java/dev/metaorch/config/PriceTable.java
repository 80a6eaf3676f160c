package dev.metaorch.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.Money;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code configs/prices.json}: a versioned table of USD per one million prompt, cached-prompt
 * and completion tokens per model. metaorch prices every session itself from this table.
 */
public record PriceTable(Path file, String version, Map<String, ModelPrice> models) {

    public record ModelPrice(double prompt, double cachedPrompt, double completion) {
        /** Cost in USD of a session's tokens; cached prompt tokens are part of the prompt tokens. */
        public double cost(long promptTokens, long cachedPromptTokens, long completionTokens) {
            return Money.usd(costNanos(promptTokens, cachedPromptTokens, completionTokens));
        }

        /**
         * Exact cost in nano-dollars: tokens times the table's decimal prices (per 1M tokens),
         * rounded once, half-even, to the nano-dollar.
         */
        public long costNanos(long promptTokens, long cachedPromptTokens, long completionTokens) {
            long uncached = Math.max(0, promptTokens - cachedPromptTokens);
            BigDecimal perMillion = BigDecimal.valueOf(prompt).multiply(BigDecimal.valueOf(uncached))
                    .add(BigDecimal.valueOf(cachedPrompt).multiply(BigDecimal.valueOf(cachedPromptTokens)))
                    .add(BigDecimal.valueOf(completion).multiply(BigDecimal.valueOf(completionTokens)));
            return Money.nanos(perMillion.movePointLeft(6));
        }
    }

    public Optional<ModelPrice> price(String model) {
        return Optional.ofNullable(models.get(model));
    }

    /** The price of {@code model}, or a bad-input error naming where the model was set. */
    public ModelPrice require(String model, String where) {
        return price(model).orElseThrow(() -> MetaorchException.invalidInput(where + ": no price for model '" + model
                + "' in " + ConfigLoader.display(file)
                + Suggestions.closest(model, models.keySet()).map(s -> " (did you mean '" + s + "'?)").orElse("")));
    }

    /**
     * Finds the price table: the explicit path when given, else {@code prices.json} beside the
     * config file or any of its parents, else {@code configs/prices.json} in the working directory.
     */
    public static PriceTable locate(Path explicit, List<Path> configChain) {
        return load(find(explicit, configChain).orElseThrow(() -> MetaorchException.invalidInput(
                "prices.json: not found beside the config or in configs/; pass --prices FILE")));
    }

    /** Where {@link #locate} would read the price table from; empty when there is none. */
    public static java.util.Optional<Path> find(Path explicit, List<Path> configChain) {
        if (explicit != null) {
            return java.util.Optional.of(explicit);
        }
        for (Path p : configChain) {
            Path candidate = p.toAbsolutePath().getParent().resolve("prices.json");
            if (Files.isRegularFile(candidate)) {
                return java.util.Optional.of(candidate);
            }
        }
        Path fallback = Path.of("configs", "prices.json");
        return Files.isRegularFile(fallback) ? java.util.Optional.of(fallback) : java.util.Optional.empty();
    }

    public static PriceTable load(Path file) {
        String name = ConfigLoader.display(file);
        JsonNode root = JsonFiles.read(file, name, "price table");
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw MetaorchException.invalidInput(name + ": /: expected a JSON object");
        }
        if (!root.path("version").isTextual()) {
            problems.add(name + ": /version: expected a version string");
        }
        if (!root.path("models").isObject() || root.path("models").isEmpty()) {
            problems.add(name + ": /models: expected an object of model name to prices");
        }
        Map<String, ModelPrice> models = new TreeMap<>();
        root.path("models").properties().forEach(e -> {
            JsonNode m = e.getValue();
            String p = name + ": /models/" + e.getKey();
            double[] v = new double[3];
            String[] keys = {"prompt", "cached_prompt", "completion"};
            for (int i = 0; i < 3; i++) {
                JsonNode n = m.get(keys[i]);
                if (n == null || !n.isNumber() || n.asDouble() < 0) {
                    problems.add(p + "/" + keys[i] + ": expected a price >= 0 in USD per 1M tokens, got " + n);
                } else {
                    v[i] = n.asDouble();
                }
            }
            models.put(e.getKey(), new ModelPrice(v[0], v[1], v[2]));
        });
        if (!problems.isEmpty()) {
            throw MetaorchException.invalidInput(problems);
        }
        return new PriceTable(file, root.path("version").asText(), Map.copyOf(models));
    }
}

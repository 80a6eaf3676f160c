package dev.metaorch.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Suggestions;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code config validate}: checks an input file by its kind, and everything it refers to, as a
 * run would before launching anything. An experiment config is loaded (parents, overrides,
 * schema), then its task suite is read, its variant looked up among the plugins and its model
 * priced; a hub file is read and each of its variant configs checked the same way; a price
 * table and a task suite are read. Every problem is one line naming the file and the place.
 */
public final class InputCheck {
    /** What a JSON input file is. */
    public enum Kind {
        EXPERIMENT, HUB, PRICES, TASKS;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The kind of a parsed file: a price table has {@code models}, a hub file
         * {@code variants}, a task suite a {@code tasks} array; anything else is an experiment config.
         */
        public static Kind detect(JsonNode root) {
            if (root.path("models").isObject() && !root.has("experiment_id")) {
                return PRICES;
            }
            if (root.path("variants").isArray() && !root.has("experiment_id")) {
                return HUB;
            }
            if (root.path("tasks").isArray()) {
                return TASKS;
            }
            return EXPERIMENT;
        }
    }

    /** The outcome for one file: problems (empty when valid) and warnings. */
    public record Report(String file, Kind kind, List<String> problems, List<String> warnings) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    private final ConfigLoader loader = new ConfigLoader();
    private final VariantRegistry registry;
    private final Path explicitPrices;
    private final List<String> overrides;

    /**
     * @param registry the variant plugins a run would use
     * @param explicitPrices {@code --prices}, or null to look beside each config
     * @param overrides {@code --set} values applied to experiment configs
     */
    public InputCheck(VariantRegistry registry, Path explicitPrices, List<String> overrides) {
        this.registry = registry;
        this.explicitPrices = explicitPrices;
        this.overrides = List.copyOf(overrides);
    }

    /** Checks {@code file}; {@code kind} null means: detect it from the content. */
    public Report check(Path file, Kind kind) {
        String name = ConfigLoader.display(file);
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Kind k = kind;
        try {
            if (k == null) {
                k = detect(file);
            }
            switch (k) {
                case EXPERIMENT -> experiment(file, problems, warnings);
                case HUB -> {
                    HubSpec hub = HubSpec.load(file);
                    for (Path variant : hub.variants()) {
                        experiment(variant, problems, warnings);
                    }
                }
                case PRICES -> PriceTable.load(file);
                case TASKS -> TaskSuite.load(file);
            }
        } catch (MetaorchException e) {
            problems.addAll(e.problems());
        }
        return new Report(name, k == null ? Kind.EXPERIMENT : k, problems, warnings);
    }

    /** The kind from the content; a file that cannot be read or parsed is checked as an experiment config. */
    private static Kind detect(Path file) {
        try {
            JsonNode root = Json.mapper().readTree(Files.readString(file));
            return root == null || root.isMissingNode() ? Kind.EXPERIMENT : Kind.detect(root);
        } catch (IOException e) {
            return Kind.EXPERIMENT; // the config loader reports it with its file and place
        }
    }

    private void experiment(Path file, List<String> problems, List<String> warnings) {
        ResolvedConfig config;
        try {
            config = loader.load(file, overrides);
        } catch (MetaorchException e) {
            problems.addAll(e.problems());
            return;
        }
        warnings.addAll(config.warnings());
        try {
            TaskSuite suite = TaskSuite.load(config.tasksPath());
            java.util.Set<String> codes = new java.util.TreeSet<>();
            suite.tasks().forEach(t -> codes.add(t.code()));
            List<String> wanted = config.taskCodes();
            for (int i = 0; i < wanted.size(); i++) {
                if (!codes.contains(wanted.get(i))) {
                    problems.add(config.sourceOf("/task_codes") + ": /task_codes/" + i + ": no task code '" + wanted.get(i)
                            + "' in " + ConfigLoader.display(config.tasksPath())
                            + Suggestions.closest(wanted.get(i), codes).map(c -> " (did you mean '" + c + "'?)").orElse(""));
                }
            }
        } catch (MetaorchException e) {
            String where = config.sourceOf("/tasks") + ": /tasks: ";
            e.problems().forEach(p -> problems.add(where + p));
        }
        try {
            registry.require(config.variant(), config.sourceOf("/variant") + ": /variant");
        } catch (MetaorchException e) {
            problems.addAll(e.problems());
        }
        try {
            PriceTable.locate(explicitPrices, config.chain()).require(config.modelId(),
                    config.sourceOf("/model_id") + ": /model_id");
        } catch (MetaorchException e) {
            problems.addAll(e.problems());
        }
    }
}

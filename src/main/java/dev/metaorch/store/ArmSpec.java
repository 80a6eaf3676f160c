package dev.metaorch.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.runner.ArmFactory;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.variant.VariantRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a worker needs to run an arm of a run, as the coordinator resolved it: the config (its
 * tree, hashes and the path it was read from, against which a process agent's working directory
 * resolves), the task suite and the price table. Stored in {@code run_arms.spec}.
 */
public record ArmSpec(String arm, String configFile, ObjectNode configTree, List<String> guidelineHashes,
        String configHash, String suiteFile, String suiteName, List<Task> tasks, ObjectNode simulation,
        String pricesFile, String pricesVersion, Map<String, PriceTable.ModelPrice> prices) {

    public static ArmSpec of(ArmSetup arm, TaskSuite suite, PriceTable prices) {
        ResolvedConfig c = arm.config();
        return new ArmSpec(arm.arm(), c.file().toAbsolutePath().toString(), c.tree(), c.guidelineHashes(),
                c.configHash(), String.valueOf(suite.file()), suite.name(), suite.tasks(), suite.simulation(),
                String.valueOf(prices.file()), prices.version(), prices.models());
    }

    public ResolvedConfig config() {
        Path file = Path.of(configFile);
        return new ResolvedConfig(file, List.of(file), configTree, Map.of(), List.of(), guidelineHashes, configHash);
    }

    public TaskSuite suite() {
        return new TaskSuite(Path.of(suiteFile), suiteName, tasks, simulation);
    }

    public PriceTable priceTable() {
        return new PriceTable(Path.of(pricesFile), pricesVersion, prices);
    }

    /** The runnable arm on this machine: its variant comes from this process's registry. */
    public ArmSetup setup(VariantRegistry registry, Path logDir) {
        return new ArmFactory(registry, null).create(arm, config(), suite(), logDir, priceTable());
    }
}

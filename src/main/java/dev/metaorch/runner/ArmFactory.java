package dev.metaorch.runner;

import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.VariantProvider;
import dev.metaorch.variant.VariantRegistry;
import java.nio.file.Path;

/** Turns a resolved config into a runnable arm: its variant instance and its model's price. */
public final class ArmFactory {
    private final VariantRegistry registry;
    private final Path explicitPrices;

    public ArmFactory(VariantRegistry registry, Path explicitPrices) {
        this.registry = registry;
        this.explicitPrices = explicitPrices;
    }

    public ArmSetup create(String arm, ResolvedConfig config, TaskSuite suite, Path logDir) {
        return create(arm, config, suite, logDir, PriceTable.locate(explicitPrices, config.chain()));
    }

    /** An arm priced by a given table (a resumed run's snapshot copy). */
    public ArmSetup create(String arm, ResolvedConfig config, TaskSuite suite, Path logDir, PriceTable prices) {
        PriceTable.ModelPrice price = prices.require(config.modelId(), config.sourceOf("/model_id") + ": /model_id");
        VariantProvider provider = registry.require(config.variant(), config.sourceOf("/variant") + ": /variant");
        var variant = provider.create(new VariantContext(arm, config, suite, prices, logDir));
        return new ArmSetup(arm, config, variant, price, prices.version());
    }
}

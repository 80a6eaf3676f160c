package dev.metaorch.runner;

import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.variant.Variant;

/** One arm of a run: its name, resolved config, variant instance and the price of its model. */
public record ArmSetup(String arm, ResolvedConfig config, Variant variant, PriceTable.ModelPrice price,
        String priceVersion) {
}

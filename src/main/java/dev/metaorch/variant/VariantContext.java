package dev.metaorch.variant;

import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import java.nio.file.Path;

/** What a variant instance gets when created: its arm's config, the task suite, the run's log folder. */
public record VariantContext(String arm, ResolvedConfig config, TaskSuite suite, PriceTable prices, Path logDir) {
}

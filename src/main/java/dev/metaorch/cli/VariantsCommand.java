package dev.metaorch.cli;

import java.util.Locale;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.variant.VariantProvider;
import dev.metaorch.variant.VariantRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code metaorch variants}: the variant plugins found, and what failed to load. */
@Command(name = "variants", mixinStandardHelpOptions = true,
        description = "List the variant plugins found (built-in and in the plugin folder) and load failures.",
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch variants", "  metaorch variants --plugins my-plugins --json"})
final class VariantsCommand implements Callable<Integer> {
    @Mixin SharedOptions.PluginDir plugins;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() {
        VariantRegistry registry = VariantRegistry.load(plugins.dir);
        Console console = json.console();
        if (json.enabled) {
            ObjectNode o = Json.object();
            var arr = o.putArray("variants");
            for (VariantRegistry.Found f : registry.all()) {
                VariantProvider p = f.provider();
                arr.addObject().put("name", p.name()).put("version", p.version()).put("api_version", p.apiVersion())
                        .put("source", f.source()).put("description", p.description());
            }
            var fails = o.putArray("failures");
            registry.failures().forEach(fails::add);
            console.json(o);
            return ExitCodes.OK;
        }
        console.out().printf(Locale.ROOT, "%-12s %-16s %-12s %s%n", "name", "version", "source", "description");
        for (VariantRegistry.Found f : registry.all()) {
            VariantProvider p = f.provider();
            console.out().printf(Locale.ROOT, "%-12s %-16s %-12s %s%n", p.name(), p.version(), f.source(), p.description());
        }
        registry.failures().forEach(x -> console.out().println("failed: " + x));
        return ExitCodes.OK;
    }
}

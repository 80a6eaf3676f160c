package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.runner.InputCheck;
import dev.metaorch.variant.VariantRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code metaorch config show|validate}. */
@Command(name = "config", description = "Show or validate experiment configs and the other input files.",
        mixinStandardHelpOptions = true,
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Validate.class})
final class ConfigCommand extends GroupCommand {

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the resolved config (parents merged, overrides applied, defaults filled); "
                    + "the human form names the file that supplied each value.",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch config show configs/exp_042.json",
                "  metaorch config show configs/exp_042.json --set run.concurrency=16 --json"})
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "Experiment config (JSON).") Path file;
        @Mixin SharedOptions.Overrides overrides;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() {
            ResolvedConfig config = new ConfigLoader().load(file, overrides.values);
            PrintWriter out = json.console().out();
            PrintWriter err = json.console().err();
            config.warnings().forEach(w -> err.println("warning: " + w));
            if (json.enabled) {
                out.print(Json.pretty(config.tree()));
                return ExitCodes.OK;
            }
            out.println("# " + ConfigLoader.display(config.file()) + " (chain: "
                    + String.join(" -> ", config.chain().stream().map(ConfigLoader::display).toList()) + ")");
            out.println("# config_hash " + config.configHash());
            List<String[]> rows = new ArrayList<>();
            flatten(config.tree(), "", rows, config);
            int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(10);
            int v = Math.min(60, rows.stream().mapToInt(r -> r[1].length()).max().orElse(10));
            for (String[] r : rows) {
                out.printf(Locale.ROOT, "%-" + w + "s  %-" + v + "s  %s%n", r[0], r[1], r[2]);
            }
            return ExitCodes.OK;
        }

        private static void flatten(JsonNode node, String pointer, List<String[]> rows, ResolvedConfig config) {
            if (node.isObject() && node.size() > 0) {
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    flatten(e.getValue(), pointer + "/" + e.getKey(), rows, config);
                }
                return;
            }
            String source = pointer.equals("/guideline_hashes") || pointer.equals("/config_hash")
                    ? "(computed)" : config.sourceOf(pointer);
            String value = node.isTextual() ? node.asText() : Json.line(node);
            rows.add(new String[] {pointer.substring(1).replace('/', '.'), value, source});
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = {"Validate input files, each by its kind (experiment config, hub file, price table, task suite), "
                + "with everything they refer to; print every problem, one per line.",
                "An experiment config is checked with its parents, its task suite and task codes, its variant (among "
                    + "the plugins found) and the price of its model; a hub file with each of its variant configs. "
                    + "Exit 0 when all are valid, 2 otherwise."},
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch config validate configs/*.json",
                "  metaorch config validate configs/exp_042.json --set run.concurrency=16 --json"})
    static final class Validate implements Callable<Integer> {
        /** One file of the {@code --json} report. */
        record FileReport(String file, InputCheck.Kind kind, boolean valid, List<String> problems, List<String> warnings) {
        }

        @Parameters(paramLabel = "FILE", arity = "1..*", description = "Input files (JSON).") List<Path> files;

        @Option(names = "--kind", showDefaultValue = Visibility.NEVER,
                description = "Treat every file as this kind: ${COMPLETION-CANDIDATES} (default: from each file's content).")
        InputCheck.Kind kind;

        @Mixin SharedOptions.Overrides overrides;
        @Mixin SharedOptions.PluginDir plugins;
        @Mixin SharedOptions.PriceFile prices;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() {
            InputCheck check = new InputCheck(VariantRegistry.load(plugins.dir), prices.file, overrides.values);
            PrintWriter out = json.console().out();
            PrintWriter err = json.console().err();
            List<InputCheck.Report> reports = new ArrayList<>();
            for (Path f : files) {
                InputCheck.Report r = check.check(f, kind);
                reports.add(r);
                if (!json.enabled) {
                    r.warnings().forEach(w -> err.println("warning: " + w));
                    if (r.valid()) {
                        out.println(r.file() + ": ok (" + r.kind() + ")");
                    } else {
                        r.problems().forEach(err::println);
                    }
                }
            }
            boolean allValid = reports.stream().allMatch(InputCheck.Report::valid);
            if (json.enabled) {
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("valid", allValid);
                report.put("files", reports.stream().map(r -> new FileReport(r.file(), r.kind(), r.valid(), r.problems(),
                        r.warnings())).toList());
                out.print(Json.pretty(report));
            }
            return allValid ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
        }
    }
}

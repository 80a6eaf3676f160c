package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.ResolvedConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code metaorch config show|validate}. */
@Command(name = "config", description = "Show or validate experiment configs.",
        mixinStandardHelpOptions = true,
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Validate.class})
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the resolved config (parents merged, overrides applied, defaults filled); "
                    + "the human form names the file that supplied each value.",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch config show configs/exp_042.json",
                "  metaorch config show configs/exp_042.json --set run.concurrency=16 --json"})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "Experiment config (JSON).")
        Path file;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Override a value after inheritance, e.g. run.concurrency=16 or guidelines='[\"a\"]'.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "Print the resolved config as JSON.")
        boolean json;

        @Override
        public Integer call() {
            ResolvedConfig config = new ConfigLoader().load(file, overrides);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            config.warnings().forEach(w -> err.println("warning: " + w));
            if (json) {
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
                out.printf("%-" + w + "s  %-" + v + "s  %s%n", r[0], r[1], r[2]);
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
            description = "Validate configs (with their parents); print every problem, one per line. "
                    + "Exit 0 when all are valid, 2 otherwise.",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch config validate configs/baseline.json configs/exp_042.json"})
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", arity = "1..*", description = "Experiment configs (JSON).")
        List<Path> files;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a value, as for config show.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "Print {\"valid\":..,\"files\":[{\"file\":..,\"problems\":[..]}]}.")
        boolean json;

        @Override
        public Integer call() {
            ConfigLoader loader = new ConfigLoader();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            var report = Json.object();
            var arr = report.putArray("files");
            boolean allValid = true;
            for (Path f : files) {
                List<String> problems;
                try {
                    ResolvedConfig c = loader.load(f, overrides);
                    c.warnings().forEach(w -> err.println("warning: " + w));
                    problems = List.of();
                } catch (MetaorchException e) {
                    problems = e.problems();
                }
                allValid &= problems.isEmpty();
                var entry = arr.addObject().put("file", f.toString()).put("valid", problems.isEmpty());
                problems.forEach(entry.putArray("problems")::add);
                if (!json) {
                    if (problems.isEmpty()) {
                        out.println(f + ": ok");
                    } else {
                        problems.forEach(err::println);
                    }
                }
            }
            report.put("valid", allValid);
            if (json) {
                out.print(Json.pretty(report));
            }
            return allValid ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
        }
    }
}

package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Aggregation;
import dev.metaorch.analysis.CsvExport;
import dev.metaorch.analysis.GroupKey;
import dev.metaorch.analysis.SessionSource;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch analyze}: filter, group, aggregate, compare, export. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sessions -> filter -> group -> aggregate: success rate with its Wilson interval, tokens, cost,",
            "latency, steps, and the trajectory metrics (early termination, step efficiency, token waste,",
            "autonomy; tool-error and blocked-call rates for imported ERC3 logs)."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch analyze --group-by config",
            "  metaorch analyze erc3-sessions_history --group-by task_code",
            "  metaorch analyze --all --where model_id=gpt-4o --task-code gpu_race --last 100 --json",
            "  metaorch analyze RUN_ID --group-by arm --compare control,test",
            "  metaorch analyze --group-by config,model --csv results/groups.csv --csv-sessions results/sessions.csv"})
final class AnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionSelection selection;

    @Option(names = "--group-by", split = ",", defaultValue = "config",
            description = "Keys: config, config_hash, model, variant, task_code, task, arm, run, outcome (default ${DEFAULT-VALUE}).")
    List<String> groupBy = new ArrayList<>();

    @Option(names = "--compare", split = ",", paramLabel = "A,B", description = "Compare two groups side by side.")
    List<String> compare;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write one CSV row per group.")
    Path csv;

    @Option(names = "--csv-sessions", paramLabel = "FILE", description = "Write one CSV row per session.")
    Path csvSessions;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        List<GroupKey> keys = groupBy.stream().map(String::trim).map(GroupKey::parse).toList();
        if (compare != null && compare.size() != 2) {
            throw MetaorchException.invalidInput("--compare: expected two groups A,B");
        }
        Console console = new Console(spec);
        Aggregation agg = new Aggregation(keys);
        SessionSource source = new SessionSource(selection.results, selection.runs());
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        long bytes;
        try (CsvExport.SessionWriter rows = csvSessions == null ? null : CsvExport.sessions(csvSessions)) {
            var sink = selection.chain().sink(r -> {
                agg.accept(r);
                if (rows != null) {
                    try {
                        rows.write(r);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            bytes = source.forEach(sink, p -> problems.add(p.toString()));
            sink.finish();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        problems.forEach(console::warn);
        if (csv != null) {
            CsvExport.aggregates(agg, csv);
        }
        ObjectNode out = agg.toJson();
        out.put("bytes_read", bytes).put("seconds", seconds);
        if (compare != null) {
            out.set("comparison", agg.compare(compare.get(0), compare.get(1)));
        }
        if (json) {
            console.json(out);
            return ExitCodes.OK;
        }
        print(console, out, keys);
        if (csv != null) {
            console.info("wrote " + csv);
        }
        if (csvSessions != null) {
            console.info("wrote " + csvSessions);
        }
        return ExitCodes.OK;
    }

    private static void print(Console c, JsonNode out, List<GroupKey> keys) {
        var o = c.out();
        o.printf("%d sessions, grouped by %s (%.1f MB read in %.2f s)%n", out.path("sessions").asLong(),
                String.join(",", keys.stream().map(GroupKey::label).toList()), out.path("bytes_read").asLong() / 1e6,
                out.path("seconds").asDouble());
        int w = 8;
        for (JsonNode g : out.path("groups")) {
            w = Math.max(w, g.path("group").asText().length());
        }
        w = Math.min(w, 48);
        o.printf("%-" + w + "s %6s %7s %15s %9s %10s %9s %8s %6s %6s %6s %6s %s%n", "group", "n", "success", "95% CI",
                "tokens", "cost/sess", "lat p50", "steps", "early", "effic", "waste", "auton", "tool err/blocked");
        for (JsonNode g : out.path("groups")) {
            String name = g.path("group").asText();
            o.printf("%-" + w + "s %6d %7.3f  [%.3f, %.3f] %9.0f %10.5f %8.1fs %8.1f %6s %6s %6.2f %6.2f %s%n",
                    name.length() > w ? name.substring(0, w) : name, g.path("sessions").asLong(),
                    g.path("success_rate").asDouble(), g.path("ci").path(0).asDouble(), g.path("ci").path(1).asDouble(),
                    g.path("tokens_mean").asDouble(), g.path("cost_per_session").asDouble(),
                    g.path("latency_ms_p50").asDouble() / 1000, g.path("steps_mean").asDouble(),
                    fmt(g.path("early_termination_rate")), fmt(g.path("step_efficiency")), g.path("token_waste").asDouble(),
                    g.path("autonomy_rate").asDouble(), g.has("tool_error_rate") ? String.format("%.3f/%.3f",
                            g.path("tool_error_rate").asDouble(), g.path("blocked_call_rate").asDouble()) : "-");
        }
        JsonNode cmp = out.path("comparison");
        if (!cmp.isMissingNode()) {
            o.printf("%s vs %s: success %.3f -> %.3f, difference %+.3f [%.3f, %.3f] (Newcombe); %d shared tasks: "
                    + "%d flipped to pass %s, %d to fail %s%n", cmp.path("a").asText(), cmp.path("b").asText(),
                    cmp.path("success_rate_a").asDouble(), cmp.path("success_rate_b").asDouble(),
                    cmp.path("difference").asDouble(), cmp.path("ci").path(0).asDouble(), cmp.path("ci").path(1).asDouble(),
                    cmp.path("shared_tasks").asInt(), cmp.path("flipped_to_pass").size(), cmp.path("flipped_to_pass"),
                    cmp.path("flipped_to_fail").size(), cmp.path("flipped_to_fail"));
        }
    }

    private static String fmt(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : String.format("%.2f", n.asDouble());
    }
}

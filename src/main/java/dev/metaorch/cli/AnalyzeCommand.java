package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Aggregation;
import dev.metaorch.analysis.Anomalies;
import dev.metaorch.analysis.ErrorPatterns;
import dev.metaorch.analysis.GuidelineImpact;
import dev.metaorch.analysis.TaskClusters;
import dev.metaorch.analysis.CsvExport;
import dev.metaorch.analysis.GroupKey;
import dev.metaorch.analysis.RunScope;
import dev.metaorch.analysis.LlmAnalyst;
import dev.metaorch.analysis.LlmInputs;
import dev.metaorch.analysis.SessionSource;
import dev.metaorch.results.ResultStore;
import dev.metaorch.session.RunLedger;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch analyze}: filter, group, aggregate, compare, export. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Filter, group and aggregate sessions: success rate with its Wilson interval, tokens, cost, "
            + "latency, steps and the trajectory metrics.",
            "Sessions -> filter -> group -> aggregate. Trajectory metrics: early termination, step efficiency, token "
                + "waste, autonomy; tool-error and blocked-call rates for imported ERC3 logs."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch analyze --group-by config",
            "  metaorch analyze erc3-sessions_history --group-by task_code",
            "  metaorch analyze --all --where model_id=gpt-4o --task-code gpu_race --last 100 --json",
            "  metaorch analyze RUN_ID --group-by arm --compare control,test",
            "  metaorch analyze --group-by config,model --csv results/groups.csv --csv-sessions results/sessions.csv",
            "  metaorch analyze --clusters --guidelines --errors --anomalies"})
final class AnalyzeCommand implements Callable<Integer> {
    @Mixin SessionSelection selection;

    @Option(names = "--group-by", split = ",", defaultValue = "config", paramLabel = "KEY",
            description = "Group keys, comma-separated: ${COMPLETION-CANDIDATES}.")
    List<GroupKey> groupBy = new ArrayList<>();

    @Option(names = "--compare", split = ",", paramLabel = "A,B", description = "Compare two groups side by side.")
    List<String> compare;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write one CSV row per group.") Path csv;
    @Option(names = "--csv-sessions", paramLabel = "FILE", description = "Write one CSV row per session.") Path csvSessions;

    @Option(names = "--clusters", description = "Label tasks trivial, challenging, discriminative or unclear.")
    boolean clusters;

    @Option(names = "--trivial-at", defaultValue = "0.9", description = "Clusters: every config at least this.")
    double trivialAt;

    @Option(names = "--challenging-at", defaultValue = "0.1", description = "Clusters: every config at most this.")
    double challengingAt;

    @Option(names = "--min-sessions", defaultValue = "5", description = "Clusters: sessions a config needs on a task.")
    int minSessions;

    @Option(names = "--cluster-alpha", defaultValue = "0.05", description = "Clusters: significance of 'discriminative'.")
    double clusterAlpha;

    @Option(names = "--guidelines", description = "Each guideline's effect on success, stratified by task, ranked.")
    boolean guidelines;

    @Option(names = "--errors", description = "Error and blocked-call templates, per config; systematic issues.")
    boolean errors;

    @Option(names = "--similarity", defaultValue = "0.5", description = "Errors: Drain similarity threshold.")
    double similarity;

    @Option(names = "--anomalies", description = "Sessions whose tokens, latency or steps are far from their config's.")
    boolean anomalies;

    @Option(names = "--z", defaultValue = "3.5", description = "Anomalies: robust z threshold.") double z;

    @Option(names = "--llm", description = "Ask an OpenAI-compatible model for root causes and new guidelines "
        + "(key from OPENAI_API_KEY, endpoint from OPENAI_BASE_URL); writes child configs to --suggest-dir.")
    boolean llm;

    @Option(names = "--model", defaultValue = "gpt-4o-mini", description = "LLM model.") String model;

    @Option(names = "--base", paramLabel = "CONFIG", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "Config the suggestions extend (default: the test config of the single selected run-experiment run).")
    Path base;

    @Option(names = "--suggest-dir", defaultValue = "configs/suggested", description = "Where suggested configs go.")
    Path suggestDir;

    @Option(names = "--llm-timeout", defaultValue = "60", description = "Seconds to wait for the model.") int llmTimeout;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws IOException {
        List<GroupKey> keys = List.copyOf(groupBy);
        if (compare != null && compare.size() != 2) {
            throw MetaorchException.invalidInput("--compare: expected two groups A,B");
        }
        Console console = json.console();
        try (ResultStore store = selection.open(console)) {
            return analyze(store, keys, console);
        }
    }

    private int analyze(ResultStore store, List<GroupKey> keys, Console console) throws IOException {
        RunScope scope = Scopes.resolve(selection, store, RunScope.Default.LATEST_DATA_SET, console, json.enabled);
        Aggregation agg = new Aggregation(keys);
        RunLedger ledger = new RunLedger();
        SessionSource source = new SessionSource(store, scope.runIds());
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        long bytes;
        TaskClusters taskClusters = clusters ? new TaskClusters(new TaskClusters.Thresholds(trivialAt, challengingAt,
                minSessions, clusterAlpha)) : null;
        LlmSetup llmSetup = llm ? llmSetup(store) : null;
        GuidelineImpact impact = guidelines || llm ? new GuidelineImpact() : null;
        ErrorPatterns patterns = errors || llm ? new ErrorPatterns(similarity) : null;
        Anomalies outliers = anomalies ? new Anomalies(z) : null;
        try (CsvExport.SessionWriter rows = csvSessions == null ? null : CsvExport.sessions(csvSessions)) {
            var sink = selection.chain().sink(r -> {
                agg.accept(r);
                if (taskClusters != null) {
                    taskClusters.accept(r);
                }
                if (impact != null) {
                    impact.accept(r);
                }
                if (patterns != null) {
                    patterns.accept(r);
                }
                if (outliers != null) {
                    outliers.accept(r);
                }
                if (rows != null) {
                    try {
                        rows.write(r);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            bytes = source.forEach(sink, p -> problems.add(p.toString()), ledger::add);
            sink.finish();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        problems.forEach(console::warn);
        if (csv != null) {
            CsvExport.aggregates(agg, csv);
        }
        ObjectNode out = agg.toJson();
        out.put("scope", scope.description());
        out.put("bytes_read", bytes).put("seconds", seconds);
        out.set("ledger", Json.tree(ledger.figures(null)));
        if (compare != null) {
            out.set("comparison", agg.compare(compare.get(0), compare.get(1)));
        }
        if (taskClusters != null) {
            out.set("clusters", taskClusters.toJson());
        }
        if (impact != null) {
            out.set("guidelines", impact.toJson(store.hashes()));
        }
        if (patterns != null) {
            out.set("errors", patterns.toJson());
        }
        if (outliers != null) {
            out.set("anomalies", outliers.toJson(50));
        }
        if (llmSetup != null) {
            out.set("llm", runLlm(llmSetup, out, console));
        }
        if (json.enabled) {
            console.json(out);
            return ExitCodes.OK;
        }
        print(console, out, keys);
        InsightsPrinter.print(console, out);
        if (csv != null) {
            console.info("wrote " + csv);
        }
        if (csvSessions != null) {
            console.info("wrote " + csvSessions);
        }
        return ExitCodes.OK;
    }

    private record LlmSetup(LlmAnalyst.Endpoint endpoint, LlmInputs inputs) {
    }

    /** Checks the key and finds the config to extend before any session is read. */
    private LlmSetup llmSetup(ResultStore store) throws IOException {
        String key = System.getenv("OPENAI_API_KEY");
        if (key == null || key.isBlank()) {
            throw MetaorchException.invalidInput("--llm: OPENAI_API_KEY is not set (the key is read from the environment only)");
        }
        String url = System.getenv().getOrDefault("OPENAI_BASE_URL", "https://api.openai.com/v1");
        if (llmTimeout < 1) {
            throw MetaorchException.invalidInput("--llm-timeout: must be >= 1, got " + llmTimeout);
        }
        LlmInputs inputs = LlmInputs.locate(store, selection.results.dir, selection.runs(), base);
        return new LlmSetup(new LlmAnalyst.Endpoint(url, model, key, Duration.ofSeconds(llmTimeout), 3), inputs);
    }

    private JsonNode runLlm(LlmSetup setup, ObjectNode out, Console console) throws IOException {
        LlmInputs in = setup.inputs();
        String evidence = LlmAnalyst.evidence(in.base(), out.path("errors"), out.path("guidelines"), in.flipped());
        var result = new LlmAnalyst(console::info).analyse(setup.endpoint(), in.base(), evidence, in.storeDir(), suggestDir,
                in.prices());
        ObjectNode o = dev.metaorch.common.Json.object();
        o.put("stored", result.stored().toString()).put("prompt_tokens", result.promptTokens())
                .put("completion_tokens", result.completionTokens()).put("cost_usd", result.costUsd());
        o.set("answer", result.answer());
        o.set("suggested_configs", dev.metaorch.common.Json.tree(result.suggestedConfigs().stream().map(Path::toString).toList()));
        if (!json.enabled) {
            console.out().println();
            console.out().printf(Locale.ROOT, "LLM analysis (%s, %d + %d tokens, $%.5f), stored in %s%n", setup.endpoint().model(),
                    result.promptTokens(), result.completionTokens(), result.costUsd(), result.stored());
            result.answer().path("hypotheses").forEach(h -> console.out().println("  hypothesis: "
                    + h.path("root_cause").asText() + " (" + h.path("evidence").asText() + ")"));
            result.suggestedConfigs().forEach(f -> console.out().println("  suggested config: " + f
                    + "   -> metaorch run-experiment --control " + in.base().file() + " --test " + f));
        }
        return o;
    }

    private static void print(Console c, JsonNode out, List<GroupKey> keys) {
        var o = c.out();
        JsonNode ledger = out.path("ledger");
        o.print(String.format(Locale.ROOT, "%d sessions, grouped by %s (%.1f MB read in %.2f s); the runs read "
                + "paid %s for %d attempts of %d sessions%n", out.path("sessions").asLong(),
                String.join(",", keys.stream().map(GroupKey::label).toList()), out.path("bytes_read").asLong() / 1e6,
                out.path("seconds").asDouble(), dev.metaorch.common.Money.format(ledger.path("spend_nano_usd").asLong()),
                ledger.path("attempts").asLong(), ledger.path("sessions_launched").asLong()));
        int w = 8;
        for (JsonNode g : out.path("groups")) {
            w = Math.max(w, g.path("group").asText().length());
        }
        w = Math.min(w, 48);
        o.printf(Locale.ROOT, "%-" + w + "s %6s %7s %15s %9s %10s %9s %8s %6s %6s %6s %6s %s%n", "group", "n", "success", "95% CI",
                "tokens", "cost/sess", "lat p50", "steps", "early", "effic", "waste", "auton", "tool err/blocked");
        for (JsonNode g : out.path("groups")) {
            String name = g.path("group").asText();
            o.printf(Locale.ROOT, "%-" + w + "s %6d %7.3f  [%.3f, %.3f] %9.0f %10.5f %8.1fs %8.1f %6s %6s %6.2f %6.2f %s%n",
                    name.length() > w ? name.substring(0, w) : name, g.path("sessions").asLong(),
                    g.path("success_rate").asDouble(), g.path("ci").path(0).asDouble(), g.path("ci").path(1).asDouble(),
                    g.path("tokens_mean").asDouble(), g.path("cost_per_session").asDouble(),
                    g.path("latency_ms_p50").asDouble() / 1000, g.path("steps_mean").asDouble(),
                    fmt(g.path("early_termination_rate")), fmt(g.path("step_efficiency")), g.path("token_waste").asDouble(),
                    g.path("autonomy_rate").asDouble(), g.has("tool_error_rate") ? String.format(Locale.ROOT, "%.3f/%.3f",
                            g.path("tool_error_rate").asDouble(), g.path("blocked_call_rate").asDouble()) : "-");
        }
        JsonNode cmp = out.path("comparison");
        if (!cmp.isMissingNode()) {
            o.printf(Locale.ROOT, "%s vs %s: success %.3f -> %.3f, difference %+.3f [%.3f, %.3f] (Newcombe); %d shared tasks: "
                    + "%d flipped to pass %s, %d to fail %s%n", cmp.path("a").asText(), cmp.path("b").asText(),
                    cmp.path("success_rate_a").asDouble(), cmp.path("success_rate_b").asDouble(),
                    cmp.path("difference").asDouble(), cmp.path("ci").path(0).asDouble(), cmp.path("ci").path(1).asDouble(),
                    cmp.path("shared_tasks").asInt(), cmp.path("flipped_to_pass").size(), cmp.path("flipped_to_pass"),
                    cmp.path("flipped_to_fail").size(), cmp.path("flipped_to_fail"));
        }
    }

    private static String fmt(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.2f", n.asDouble());
    }
}

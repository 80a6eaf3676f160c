package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Aggregation;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.analysis.GroupKey;
import dev.metaorch.analysis.RunScope;
import dev.metaorch.analysis.SessionSource;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.pareto.ParetoAnalysis;
import dev.metaorch.pareto.ParetoPoint;
import dev.metaorch.report.ParetoPlot;
import dev.metaorch.report.RegretPlot;
import dev.metaorch.results.ResultStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch pareto}: the cost/success front with its uncertainty. */
@Command(name = "pareto", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The Pareto front over (mean cost per session, success rate): which configs are worth "
            + "their cost, how sure that is, and the cheapest config reaching a success rate.",
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch pareto", "  metaorch pareto --all --by model --min-success 0.8 --plot pareto.svg",
            "  metaorch pareto RUN_ID --json"})
final class ParetoCommand implements Callable<Integer> {
    @Mixin SessionSelection selection;

    /** {@code --by}: what a point of the front is. */
    enum By {
        CONFIG(GroupKey.CONFIG), VARIANT(GroupKey.VARIANT), MODEL(GroupKey.MODEL);

        final GroupKey key;

        By(GroupKey key) {
            this.key = key;
        }

        @Override
        public String toString() {
            return key.label();
        }
    }

    @Option(names = "--by", defaultValue = "config", description = "What a point is: ${COMPLETION-CANDIDATES}.") By by;

    @Option(names = "--min-success", description = "Report the cheapest point reaching this success rate.")
    Double minSuccess;

    @Option(names = "--draws", defaultValue = "2000", description = "Posterior draws for the front probability.") int draws;
    @Mixin SharedOptions.SimulationSeed seed;
    @Mixin SharedOptions.PlotFile plot;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws IOException {
        GroupKey key = by.key;
        if (minSuccess != null && !(minSuccess > 0 && minSuccess <= 1)) {
            throw MetaorchException.invalidInput("--min-success: must be in (0, 1], got " + minSuccess);
        }
        Path plotFile = plot.checked();
        Console console = json.console();
        try (ResultStore store = selection.open(console)) {
            return pareto(store, key, plotFile, console);
        }
    }

    private int pareto(ResultStore store, GroupKey key, Path plotFile, Console console) throws IOException {
        RunScope scope = Scopes.resolve(selection, store, RunScope.Default.LATEST_DATA_SET, console, json.enabled);
        Aggregation agg = new Aggregation(List.of(key));
        var sink = selection.chain().sink(agg);
        new SessionSource(store, scope.runIds()).forEach(sink, p -> console.warn(p.toString()));
        sink.finish();
        List<ParetoPoint> points = new ArrayList<>();
        for (Map.Entry<String, ArmStats> e : agg.groups().entrySet()) {
            ArmStats s = e.getValue();
            if (s.sessions() > 0) {
                points.add(new ParetoPoint(e.getKey(), s.costPerSession(), s.successes(), s.sessions()));
            }
        }
        if (points.isEmpty()) {
            throw MetaorchException.invalidInput("pareto: no sessions selected in " + store.describe());
        }
        ObjectNode analysis = ParetoAnalysis.analyse(points, minSuccess, draws, seed.seed);
        if (plotFile != null) {
            RegretPlot.write(ParetoPlot.chart(analysis, "Cost vs success by " + by), plotFile);
            console.info("wrote " + plotFile);
        }
        if (json.enabled) {
            analysis.put("scope", scope.description());
            console.json(analysis);
            return ExitCodes.OK;
        }
        var o = console.out();
        int w = 8;
        for (JsonNode p : analysis.path("points")) {
            w = Math.max(w, p.path("name").asText().length());
        }
        o.printf(Locale.ROOT, "%-" + w + "s %10s %7s %8s %16s  %-22s %s%n", by, "cost/sess", "n", "success", "95% CI", "label", "P(front)");
        List<JsonNode> sorted = new ArrayList<>();
        analysis.path("points").forEach(sorted::add);
        sorted.sort((a, b) -> Double.compare(a.path("cost").asDouble(), b.path("cost").asDouble()));
        for (JsonNode p : sorted) {
            o.printf(Locale.ROOT, "%-" + w + "s %10.5f %7d %8.3f  [%.3f, %.3f]  %-22s %.2f%n", p.path("name").asText(),
                    p.path("cost").asDouble(), p.path("sessions").asLong(), p.path("success_rate").asDouble(),
                    p.path("ci").path(0).asDouble(), p.path("ci").path(1).asDouble(), p.path("label").asText(),
                    p.path("front_probability").asDouble());
        }
        o.println("front: " + analysis.path("front"));
        JsonNode m = analysis.path("min_success");
        if (!m.isMissingNode()) {
            if (m.path("name").isNull()) {
                o.printf(Locale.ROOT, "no point reaches success %.2f%n", m.path("threshold").asDouble());
            } else {
                o.printf(Locale.ROOT, "cheapest with success >= %.2f: %s at $%.5f per session, %.0f%% of the cost of the most "
                        + "successful (%s)%n", m.path("threshold").asDouble(), m.path("name").asText(),
                        m.path("cost").asDouble(), 100 * m.path("cost_share").asDouble(), m.path("most_successful").asText());
            }
        }
        return ExitCodes.OK;
    }
}

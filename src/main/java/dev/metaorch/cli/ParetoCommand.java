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
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch pareto}: the cost/success front with its uncertainty. */
@Command(name = "pareto", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The Pareto front over (mean cost per session, success rate): which configs are worth",
            "their cost, how sure that is, and the cheapest config reaching a success rate."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch pareto", "  metaorch pareto --all --by model --min-success 0.8 --plot pareto.svg",
            "  metaorch pareto RUN_ID --json"})
final class ParetoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionSelection selection;

    @Option(names = "--by", defaultValue = "config", description = "config (default), variant or model.")
    String by;

    @Option(names = "--min-success", description = "Report the cheapest point reaching this success rate.")
    Double minSuccess;

    @Option(names = "--draws", defaultValue = "2000", description = "Posterior draws for the front probability.")
    int draws;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the posterior draws.")
    long seed;

    @Option(names = "--plot", paramLabel = "FILE", description = "Write the scatter as .svg or .png.")
    Path plot;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        GroupKey key = switch (by) {
            case "config" -> GroupKey.CONFIG;
            case "variant" -> GroupKey.VARIANT;
            case "model" -> GroupKey.MODEL;
            default -> throw MetaorchException.invalidInput("--by: must be config, variant or model, got '" + by + "'");
        };
        if (minSuccess != null && !(minSuccess > 0 && minSuccess <= 1)) {
            throw MetaorchException.invalidInput("--min-success: must be in (0, 1], got " + minSuccess);
        }
        if (plot != null && !plot.toString().matches(".*\\.(svg|png)$")) {
            throw MetaorchException.invalidInput("--plot: the file must end in .svg or .png, got " + plot);
        }
        Console console = new Console(spec);
        RunScope scope = Scopes.resolve(selection, RunScope.Default.LATEST_DATA_SET, console, json);
        Aggregation agg = new Aggregation(List.of(key));
        var sink = selection.chain().sink(agg);
        new SessionSource(selection.results, scope.runIds()).forEach(sink, p -> console.warn(p.toString()));
        sink.finish();
        List<ParetoPoint> points = new ArrayList<>();
        for (Map.Entry<String, ArmStats> e : agg.groups().entrySet()) {
            ArmStats s = e.getValue();
            if (s.sessions() > 0) {
                points.add(new ParetoPoint(e.getKey(), s.costPerSession(), s.successes(), s.sessions()));
            }
        }
        if (points.isEmpty()) {
            throw MetaorchException.invalidInput("pareto: no sessions selected in " + selection.results.resolve("runs"));
        }
        ObjectNode analysis = ParetoAnalysis.analyse(points, minSuccess, draws, seed);
        if (plot != null) {
            RegretPlot.write(ParetoPlot.chart(analysis, "Cost vs success by " + by), plot);
            console.info("wrote " + plot);
        }
        if (json) {
            analysis.put("scope", scope.description());
            console.json(analysis);
            return ExitCodes.OK;
        }
        var o = console.out();
        int w = 8;
        for (JsonNode p : analysis.path("points")) {
            w = Math.max(w, p.path("name").asText().length());
        }
        o.printf("%-" + w + "s %10s %7s %8s %16s  %-22s %s%n", by, "cost/sess", "n", "success", "95% CI", "label", "P(front)");
        List<JsonNode> sorted = new ArrayList<>();
        analysis.path("points").forEach(sorted::add);
        sorted.sort((a, b) -> Double.compare(a.path("cost").asDouble(), b.path("cost").asDouble()));
        for (JsonNode p : sorted) {
            o.printf("%-" + w + "s %10.5f %7d %8.3f  [%.3f, %.3f]  %-22s %.2f%n", p.path("name").asText(),
                    p.path("cost").asDouble(), p.path("sessions").asLong(), p.path("success_rate").asDouble(),
                    p.path("ci").path(0).asDouble(), p.path("ci").path(1).asDouble(), p.path("label").asText(),
                    p.path("front_probability").asDouble());
        }
        o.println("front: " + analysis.path("front"));
        JsonNode m = analysis.path("min_success");
        if (!m.isMissingNode()) {
            if (m.path("name").isNull()) {
                o.printf("no point reaches success %.2f%n", m.path("threshold").asDouble());
            } else {
                o.printf("cheapest with success >= %.2f: %s at $%.5f per session, %.0f%% of the cost of the most "
                        + "successful (%s)%n", m.path("threshold").asDouble(), m.path("name").asText(),
                        m.path("cost").asDouble(), 100 * m.path("cost_share").asDouble(), m.path("most_successful").asText());
            }
        }
        return ExitCodes.OK;
    }
}

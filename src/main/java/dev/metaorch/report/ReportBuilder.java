package dev.metaorch.report;

import java.util.Locale;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Aggregation;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.analysis.ErrorPatterns;
import dev.metaorch.analysis.GroupKey;
import dev.metaorch.analysis.GuidelineImpact;
import dev.metaorch.analysis.SessionSource;
import dev.metaorch.analysis.TaskClusters;
import dev.metaorch.common.Json;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.pareto.ParetoAnalysis;
import dev.metaorch.pareto.ParetoPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code metaorch report}: one self-contained HTML page (inline SVG charts made with XChart, no
 * scripts, nothing fetched at view time): insights in plain sentences, each A/B decision with
 * its LLR trajectory between the bounds, the Pareto scatter, a per-task success heatmap by
 * config, cost distributions, bandit regret curves when a simulation was saved, task clusters,
 * guideline impact and failure patterns.
 */
public final class ReportBuilder {
    private final Path results;
    private final List<String> runIds;

    public ReportBuilder(Path results, List<String> runIds) {
        this.results = results;
        this.runIds = runIds;
    }

    /** Builds the page; returns the insight sentences too (for the command's output). */
    public record Report(String html, List<String> insights, int sessions, int charts) {
    }

    public Report build() throws IOException {
        SessionSource source = new SessionSource(results, runIds);
        Aggregation byConfig = new Aggregation(List.of(GroupKey.CONFIG));
        TaskClusters clusters = new TaskClusters(TaskClusters.Thresholds.DEFAULT);
        GuidelineImpact impact = new GuidelineImpact();
        ErrorPatterns errors = new ErrorPatterns(0.5);
        Map<String, List<Double>> costs = new TreeMap<>();
        source.forEach(r -> {
            byConfig.accept(r);
            clusters.accept(r);
            impact.accept(r);
            errors.accept(r);
            List<Double> c = costs.computeIfAbsent(r.experimentId(), k -> new ArrayList<>());
            if (!r.outcome().isInfrastructure() && c.size() < 20_000) {
                c.add(r.costUsd());
            }
        }, p -> { });
        List<ParetoPoint> points = new ArrayList<>();
        for (Map.Entry<String, ArmStats> e : byConfig.groups().entrySet()) {
            if (e.getValue().sessions() > 0) {
                points.add(new ParetoPoint(e.getKey(), e.getValue().costPerSession(), e.getValue().successes(),
                        e.getValue().sessions()));
            }
        }
        ObjectNode pareto = points.isEmpty() ? null : ParetoAnalysis.analyse(points, 0.8, 1000, 1);
        ObjectNode clusterJson = clusters.toJson();
        ObjectNode impactJson = impact.toJson(new HashDictionary(results).read());
        ObjectNode errorJson = errors.toJson();
        List<JsonNode> decisions = decisions();
        JsonNode bandit = readIfExists(results.resolve("bandit").resolve("latest.json"));

        List<String> insights = new ArrayList<>();
        for (JsonNode d : decisions) {
            insights.add(decisionSentence(d));
        }
        if (pareto != null) {
            insights.add(paretoSentence(pareto));
        }
        for (JsonNode g : impactJson.path("guidelines")) {
            if (g.path("rank").asInt() == 1) {
                insights.add(String.format(Locale.ROOT, "The guideline with the largest effect is \"%s\": %+.1f points of success "
                        + "[%+.1f, %+.1f], stratified by task.", shorten(g.path("text").asText()), 100 * g.path("effect").asDouble(),
                        100 * g.path("ci").path(0).asDouble(), 100 * g.path("ci").path(1).asDouble()));
            }
        }
        JsonNode counts = clusterJson.path("counts");
        insights.add(String.format(Locale.ROOT, "Of %d tasks, %d are trivial, %d challenging and %d discriminative (the ones worth "
                + "A/B testing); %d are unclear.", clusterJson.path("tasks").size(), counts.path("trivial").asInt(),
                counts.path("challenging").asInt(), counts.path("discriminative").asInt(), counts.path("unclear").asInt()));
        JsonNode top = errorJson.path("templates").path(0);
        if (!top.isMissingNode()) {
            insights.add(String.format(Locale.ROOT, "The most common failure is \"%s\" (%d times, %d distinct templates in all).",
                    top.path("template").asText(), top.path("count").asLong(), errorJson.path("templates").size()));
        }
        for (JsonNode s : errorJson.path("systematic_issues")) {
            insights.add(String.format(Locale.ROOT, "Systematic issue: \"%s\" rose from %.0f%% to %.0f%% of sessions in the test arm "
                    + "(p = %.3f).", s.path("template").asText(), 100 * s.path("control_rate").asDouble(),
                    100 * s.path("test_rate").asDouble(), s.path("p_value").asDouble()));
        }

        StringBuilder h = new StringBuilder();
        int[] charts = {0};
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>metaorch report</title>\n<style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}")
                .append("h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}")
                .append("table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}")
                .append("th{background:#f4f4f4}td.l,th.l{text-align:left}.chart svg{max-width:100%;height:auto}")
                .append("ul.insights li{margin:.4em 0}.small{color:#666;font-size:.85em}</style></head><body>\n");
        h.append("<h1>metaorch report</h1><p class=\"small\">").append(byConfig.sessions()).append(" sessions from ")
                .append(source.logs().size()).append(" runs in ").append(Html.esc(results.toString())).append("; generated ")
                .append(Instant.now()).append("</p>\n");
        h.append("<h2 id=\"insights\">Insights</h2><ul class=\"insights\">");
        insights.forEach(s -> h.append("<li>").append(Html.esc(s)).append("</li>"));
        h.append("</ul>\n");
        for (JsonNode d : decisions) {
            h.append("<h2>Decision: ").append(Html.esc(d.at("/arms/test/experiment_id").asText())).append(" vs ")
                    .append(Html.esc(d.at("/arms/control/experiment_id").asText())).append("</h2><p>")
                    .append(Html.esc(d.path("decision").asText())).append(" — ").append(Html.esc(d.path("reason").asText()))
                    .append("; run ").append(Html.esc(d.path("run_id").asText())).append("</p>");
            h.append("<div class=\"chart\" id=\"llr-").append(Html.esc(d.path("run_id").asText())).append("\">")
                    .append(Svg.of(llrChart(d))).append("</div>\n");
            charts[0]++;
        }
        if (pareto != null) {
            h.append("<h2 id=\"pareto\">Cost and success (Pareto front)</h2><div class=\"chart\">")
                    .append(Svg.of(ParetoPlot.chart(pareto, "Cost vs success by config"))).append("</div>\n");
            charts[0]++;
        }
        h.append("<h2 id=\"heatmap\">Success by task and config</h2>").append(heatmap(clusterJson));
        if (!costs.isEmpty()) {
            h.append("<h2 id=\"costs\">Cost per session</h2><div class=\"chart\">").append(Svg.of(costChart(costs)))
                    .append("</div>\n");
            charts[0]++;
        }
        if (bandit != null) {
            var report = Json.mapper().treeToValue(bandit, dev.metaorch.bandit.BanditReport.class);
            h.append("<h2 id=\"bandit\">Adaptive allocation: regret</h2><div class=\"chart\">")
                    .append(Svg.of(RegretPlot.chart(report))).append("</div>\n");
            charts[0]++;
        }
        h.append("<h2 id=\"guidelines\">Guideline impact</h2>").append(guidelineTable(impactJson));
        h.append("<h2 id=\"errors\">Failure patterns</h2>").append(errorTable(errorJson));
        h.append("<h2 id=\"clusters\">Task clusters</h2><p>").append(Html.esc(clusterJson.path("counts").toString()))
                .append("</p>\n</body></html>\n");
        return new Report(h.toString(), insights, (int) byConfig.sessions(), charts[0]);
    }

    static String shorten(String s) {
        return s.length() > 90 ? s.substring(0, 87) + "..." : s;
    }

    private List<JsonNode> decisions() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Path log : new SessionSource(results, runIds).logs()) {
            Path dir = log.getParent();
            JsonNode manifest = readIfExists(dir.resolve("run.json"));
            JsonNode result = readIfExists(dir.resolve("result.json"));
            if (manifest != null && result != null && "run-experiment".equals(manifest.path("kind").asText())) {
                out.add(result);
            }
        }
        return out;
    }

    private static JsonNode readIfExists(Path p) throws IOException {
        return Files.isRegularFile(p) ? Json.mapper().readTree(Files.readString(p)) : null;
    }

    static String decisionSentence(JsonNode d) {
        String test = d.at("/arms/test/experiment_id").asText();
        String control = d.at("/arms/control/experiment_id").asText();
        double diff = 100 * (d.at("/arms/test/success_rate").asDouble() - d.at("/arms/control/success_rate").asDouble());
        String verdict = switch (d.path("decision").asText()) {
            case "accept_h1" -> String.format(Locale.ROOT, "%s beats %s by %.0f points", test, control, diff);
            case "accept_h0" -> String.format(Locale.ROOT, "%s does not beat %s (difference %+.0f points)", test, control, diff);
            default -> String.format(Locale.ROOT, "%s vs %s is inconclusive (%+.0f points)", test, control, diff);
        };
        return String.format(Locale.ROOT, "%s (%s after %d pairs, %.0f%% fewer than a fixed design of %d); %d tasks flipped to pass, "
                + "%d to fail; token waste went from %.0f%% to %.0f%%.", verdict, d.path("decision").asText().replace('_', ' '),
                d.path("pairs").asLong(), 100 * d.path("savings").asDouble(), d.path("fixed_n").asLong(),
                d.at("/flipped/to_pass").size(), d.at("/flipped/to_fail").size(),
                100 * d.at("/arms/control/token_waste").asDouble(), 100 * d.at("/arms/test/token_waste").asDouble());
    }

    static String paretoSentence(JsonNode p) {
        JsonNode m = p.path("min_success");
        String front = String.join(", ", Json.mapper().convertValue(p.path("front"), String[].class));
        if (m.path("name").isNull() || m.isMissingNode()) {
            return "On the cost/success front: " + front + "; no config reaches 80% success.";
        }
        return String.format(Locale.ROOT, "On the cost/success front: %s. The cheapest config with at least 80%% success is %s, at "
                + "%.0f%% of the cost of the most successful (%s).", front, m.path("name").asText(),
                100 * m.path("cost_share").asDouble(), m.path("most_successful").asText());
    }

    static XYChart llrChart(JsonNode d) {
        XYChart c = new XYChartBuilder().width(900).height(380).title("LLR after each pair (" + d.path("test").asText() + ")")
                .xAxisTitle("pair").yAxisTitle("log-likelihood ratio").build();
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        int n = d.path("trace").size();
        double[] x = new double[Math.max(1, n)];
        double[] y = new double[Math.max(1, n)];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
            y[i] = d.path("trace").get(i).asDouble();
        }
        XYSeries s = c.addSeries("LLR", x, y);
        s.setMarker(SeriesMarkers.NONE);
        double upper = d.at("/bounds/upper").asDouble();
        double lower = d.at("/bounds/lower").asDouble();
        double[] ends = {1, Math.max(2, n)};
        c.addSeries(String.format(Locale.ROOT, "accept H1 (%.2f)", upper), ends, new double[] {upper, upper}).setMarker(SeriesMarkers.NONE);
        c.addSeries(String.format(Locale.ROOT, "accept H0 (%.2f)", lower), ends, new double[] {lower, lower}).setMarker(SeriesMarkers.NONE);
        return c;
    }

    static BoxChart costChart(Map<String, List<Double>> costs) {
        BoxChart c = new BoxChartBuilder().width(900).height(420).title("Cost per session (USD) by config")
                .xAxisTitle("config").yAxisTitle("USD").build();
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        costs.forEach((name, values) -> {
            if (!values.isEmpty()) {
                c.addSeries(name, values);
            }
        });
        return c;
    }

    static String heatmap(JsonNode clusters) {
        TreeSet<String> configs = new TreeSet<>();
        for (JsonNode t : clusters.path("tasks")) {
            t.path("success_by_config").fieldNames().forEachRemaining(configs::add);
        }
        StringBuilder h = new StringBuilder("<table class=\"heatmap\"><tr><th class=\"l\">task</th><th class=\"l\">label</th>");
        configs.forEach(c -> h.append("<th>").append(Html.esc(c)).append("</th>"));
        h.append("</tr>");
        for (JsonNode t : clusters.path("tasks")) {
            h.append("<tr><td class=\"l\">").append(Html.esc(t.path("task").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(t.path("label").asText())).append("</td>");
            for (String c : configs) {
                JsonNode v = t.path("success_by_config").path(c);
                if (v.isMissingNode()) {
                    h.append("<td></td>");
                } else {
                    double rate = v.path("rate").asDouble();
                    h.append("<td style=\"background:").append(Html.heat(rate)).append("\" title=\"")
                            .append(v.path("successes").asLong()).append("/").append(v.path("sessions").asLong())
                            .append("\">").append(String.format(Locale.ROOT, "%.2f", rate)).append("</td>");
                }
            }
            h.append("</tr>");
        }
        return h.append("</table>\n").toString();
    }

    static String guidelineTable(JsonNode impact) {
        StringBuilder h = new StringBuilder("<p class=\"small\">").append(Html.esc(impact.path("method").asText()))
                .append("</p><table><tr><th>rank</th><th>effect</th><th>95% CI</th><th>with</th><th>without</th>"
                        + "<th class=\"l\">guideline</th></tr>");
        for (JsonNode g : impact.path("guidelines")) {
            boolean est = g.path("status").asText().equals("estimated");
            h.append("<tr><td>").append(est ? g.path("rank").asText() : "-").append("</td><td>")
                    .append(est ? String.format(Locale.ROOT, "%+.3f", g.path("effect").asDouble()) : g.path("status").asText())
                    .append("</td><td>").append(est ? String.format(Locale.ROOT, "[%+.3f, %+.3f]", g.path("ci").path(0).asDouble(),
                            g.path("ci").path(1).asDouble()) : "").append("</td><td>").append(g.path("sessions_with").asLong())
                    .append("</td><td>").append(g.path("sessions_without").asLong()).append("</td><td class=\"l\">")
                    .append(Html.esc(g.path("text").asText())).append("</td></tr>");
        }
        return h.append("</table>\n").toString();
    }

    static String errorTable(JsonNode errors) {
        StringBuilder h = new StringBuilder("<table><tr><th>count</th><th class=\"l\">kind</th><th class=\"l\">template</th>"
                + "<th class=\"l\">by config</th></tr>");
        int n = 0;
        for (JsonNode t : errors.path("templates")) {
            if (n++ >= 20) {
                break;
            }
            h.append("<tr><td>").append(t.path("count").asLong()).append("</td><td class=\"l\">")
                    .append(Html.esc(t.path("kind").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(t.path("template").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(t.path("by_config").toString())).append("</td></tr>");
        }
        return h.append("</table>\n").toString();
    }
}

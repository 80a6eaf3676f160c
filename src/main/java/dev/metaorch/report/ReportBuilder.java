package dev.metaorch.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Aggregation;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.analysis.ErrorPatterns;
import dev.metaorch.analysis.GroupKey;
import dev.metaorch.analysis.GuidelineImpact;
import dev.metaorch.analysis.RunScope;
import dev.metaorch.analysis.SessionSource;
import dev.metaorch.analysis.TaskClusters;
import dev.metaorch.common.Json;
import dev.metaorch.pareto.ParetoAnalysis;
import dev.metaorch.pareto.ParetoPoint;
import dev.metaorch.results.ResultStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code metaorch report}: one self-contained HTML page (inline SVG, no scripts, nothing fetched
 * at view time) over the runs of a {@link RunScope}: a table of contents, insights stated once
 * each, one section per distinct comparison (identical reruns listed once, runs without a usable
 * pair only named), the Pareto scatter with labels that do not collide, a task x config heatmap,
 * cost distributions, bandit regret (when asked), guideline impact, failure patterns and task
 * clusters, all as HTML tables.
 */
public final class ReportBuilder {
    /** Below this many pairs a run's effect is not put in a sentence (the interval says little). */
    static final int MIN_PAIRS_FOR_EFFECT = 10;

    private final ResultStore store;
    private final RunScope scope;
    private final Path bandit;

    /**
     * {@code scope} must name at least one run of {@code store}; {@code bandit}, when not null, is
     * a bandit simulation's summary (results/bandit/latest.json) to add when it exists.
     */
    public ReportBuilder(ResultStore store, RunScope scope, Path bandit) {
        if (scope.runs().isEmpty()) {
            throw new IllegalArgumentException("empty scope");
        }
        this.store = store;
        this.scope = scope;
        this.bandit = bandit;
    }

    /** The page and the insight sentences (for the command's output). */
    public record Report(String html, List<String> insights, int sessions, int charts) {
    }

    /** One A/B run's result.json. */
    record Decision(String runId, JsonNode result) {
        long pairs() {
            return result.path("pairs").asLong();
        }

        String comparison() {
            return result.at("/arms/test/experiment_id").asText() + " vs " + result.at("/arms/control/experiment_id").asText();
        }

        /** Same configs, same rule, same seed: an identical rerun gives the same numbers. */
        String identity() {
            JsonNode r = result;
            return String.join("|", r.at("/arms/control/config_hash").asText(), r.at("/arms/test/config_hash").asText(),
                    r.path("seed").asText(), r.path("method").asText(), r.path("test").asText(), r.path("alpha").asText(),
                    r.path("beta").asText(), r.path("min_effect").asText(), r.path("decision").asText(),
                    r.path("pairs").asText(), r.path("wins").asText(), r.path("losses").asText());
        }
    }

    /** Distinct runs of one comparison, each with its identical reruns. */
    record Comparison(String name, Map<String, List<Decision>> distinct) {
    }

    public Report build() throws IOException {
        SessionSource source = new SessionSource(store, scope.runIds());
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
        ObjectNode pareto = points.size() < 2 ? null : ParetoAnalysis.analyse(points, 0.8, 1000, 1);
        ObjectNode clusterJson = clusters.toJson();
        ObjectNode impactJson = impact.toJson(store.hashes());
        ObjectNode errorJson = errors.toJson();
        List<Decision> decisions = decisions();
        List<Decision> unusable = decisions.stream().filter(d -> d.pairs() == 0).toList();
        List<Comparison> comparisons = comparisons(decisions.stream().filter(d -> d.pairs() > 0).toList());
        JsonNode banditJson = bandit != null ? readIfExists(bandit) : null;

        LinkedHashSet<String> insights = new LinkedHashSet<>();
        for (Comparison c : comparisons) {
            insights.add(comparisonSentence(c));
        }
        if (pareto != null) {
            insights.add(paretoSentence(pareto));
        }
        for (JsonNode g : impactJson.path("guidelines")) {
            if (g.path("rank").asInt() == 1) {
                insights.add(String.format(Locale.ROOT, "The guideline with the largest effect is \"%s\": %+.1f points of "
                        + "success [%+.1f, %+.1f], stratified by task.", shorten(g.path("text").asText()),
                        100 * g.path("effect").asDouble(), 100 * g.path("ci").path(0).asDouble(),
                        100 * g.path("ci").path(1).asDouble()));
            }
        }
        JsonNode counts = clusterJson.path("counts");
        if (clusterJson.path("tasks").size() > 0) {
            insights.add(String.format(Locale.ROOT, "Of %d tasks, %d are trivial, %d challenging and %d discriminative (the "
                    + "ones worth A/B testing); %d are unclear.", clusterJson.path("tasks").size(),
                    counts.path("trivial").asInt(), counts.path("challenging").asInt(), counts.path("discriminative").asInt(),
                    counts.path("unclear").asInt()));
        }
        JsonNode top = errorJson.path("templates").path(0);
        if (!top.isMissingNode()) {
            insights.add(String.format(Locale.ROOT, "The most common failure is \"%s\" (%d times, %d distinct templates in "
                    + "all).", top.path("template").asText(), top.path("count").asLong(), errorJson.path("templates").size()));
        }
        for (JsonNode s : errorJson.path("systematic_issues")) {
            insights.add(String.format(Locale.ROOT, "Systematic issue: \"%s\" rose from %.0f%% to %.0f%% of sessions in the "
                    + "test arm (p = %.3f).", s.path("template").asText(), 100 * s.path("control_rate").asDouble(),
                    100 * s.path("test_rate").asDouble(), s.path("p_value").asDouble()));
        }

        Map<String, String> toc = new LinkedHashMap<>();
        StringBuilder body = new StringBuilder();
        int charts = 0;
        section(body, toc, "insights", "Insights");
        body.append("<ul class=\"insights\">");
        insights.forEach(s -> body.append("<li>").append(Html.esc(s)).append("</li>"));
        body.append("</ul>\n");
        if (!comparisons.isEmpty() || !unusable.isEmpty()) {
            section(body, toc, "decisions", "Decisions");
            int i = 0;
            for (Comparison c : comparisons) {
                String id = "decision-" + (++i);
                toc.put(id, "— " + c.name());
                body.append("<h3 id=\"").append(id).append("\">").append(Html.esc(c.name())).append("</h3>");
                body.append(comparisonTable(c));
                body.append("<div class=\"chart\">").append(llrChart(c)).append("</div>\n");
                charts++;
            }
            if (!unusable.isEmpty()) {
                body.append("<h3>Runs without a usable pair</h3><table><tr><th class=\"l\">run</th><th class=\"l\">comparison</th>"
                        + "<th class=\"l\">decision</th><th class=\"l\">reason</th><th>outage pairs</th></tr>");
                for (Decision d : unusable) {
                    body.append("<tr><td class=\"l\">").append(Html.esc(d.runId())).append("</td><td class=\"l\">")
                            .append(Html.esc(d.comparison())).append("</td><td class=\"l\">")
                            .append(Html.esc(d.result().path("decision").asText())).append("</td><td class=\"l\">")
                            .append(Html.esc(d.result().path("reason").asText())).append("</td><td>")
                            .append(d.result().has("outage_pairs") ? d.result().path("outage_pairs").size()
                                    : d.result().path("broken_pairs").asLong()).append("</td></tr>");
                }
                body.append("</table>\n");
            }
        }
        if (pareto != null) {
            section(body, toc, "pareto", "Cost and success (Pareto front)");
            body.append("<div class=\"chart\">").append(paretoChart(pareto, "Cost vs success by config")).append("</div>\n");
            body.append(paretoTable(pareto));
            charts++;
        }
        if (clusterJson.path("tasks").size() > 0) {
            section(body, toc, "heatmap", "Success by task and config");
            body.append(heatmap(clusterJson));
        }
        if (!costs.isEmpty()) {
            section(body, toc, "costs", "Cost per session");
            List<String> names = new ArrayList<>(costs.keySet());
            body.append("<div class=\"chart\">").append(SvgPlot.boxes("Cost per session (USD) by config", "USD per session",
                    names, names.stream().map(costs::get).toList())).append("</div>\n");
            charts++;
        }
        if (banditJson != null) {
            var report = Json.mapper().treeToValue(banditJson, dev.metaorch.bandit.BanditReport.class);
            section(body, toc, "bandit", "Adaptive allocation: regret");
            body.append("<div class=\"chart\">").append(Svg.of(RegretPlot.chart(report))).append("</div>\n");
            charts++;
        }
        section(body, toc, "guidelines", "Guideline impact");
        body.append(guidelineTable(impactJson));
        section(body, toc, "errors", "Failure patterns");
        body.append(errorTable(errorJson));
        section(body, toc, "clusters", "Task clusters");
        body.append(clusterTable(clusterJson));

        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>metaorch report</title>\n<style>")
                .append(CSS).append("</style></head><body>\n");
        h.append("<h1>metaorch report</h1><p class=\"small\">").append(Html.esc(scope.firstLine())).append(" — ")
                .append(byConfig.sessions()).append(" sessions; generated ").append(Instant.now()).append("</p>\n");
        for (String w : scope.warnings()) {
            h.append("<p class=\"warn\">warning: ").append(Html.esc(w)).append("</p>\n");
        }
        h.append("<nav id=\"toc\"><h2>Contents</h2><ol>");
        toc.forEach((id, title) -> h.append("<li><a href=\"#").append(id).append("\">").append(Html.esc(title))
                .append("</a></li>"));
        h.append("</ol></nav>\n").append(body).append("</body></html>\n");
        return new Report(h.toString(), List.copyOf(insights), (int) byConfig.sessions(), charts);
    }

    /** The report's style sheet (also used by the dashboard). */
    public static final String CSS = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}"
            + "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
            + "table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}"
            + "th{background:#f4f4f4}td.l,th.l{text-align:left}.chart svg{max-width:100%;height:auto}"
            + "ul.insights li{margin:.4em 0}.small{color:#666;font-size:.85em}.warn{color:#a40}"
            + "nav#toc ol{columns:2}td ul{margin:0;padding-left:1.1em;text-align:left}";

    private static void section(StringBuilder b, Map<String, String> toc, String id, String title) {
        toc.put(id, title);
        b.append("<h2 id=\"").append(id).append("\">").append(Html.esc(title)).append("</h2>\n");
    }

    static String shorten(String s) {
        return s.length() > 90 ? s.substring(0, 87) + "..." : s;
    }

    private List<Decision> decisions() throws IOException {
        List<Decision> out = new ArrayList<>();
        for (String id : scope.runIds()) {
            JsonNode manifest = store.json(id, "run.json").orElse(null);
            JsonNode result = store.json(id, "result.json").orElse(null);
            if (manifest != null && result != null && "run-experiment".equals(manifest.path("kind").asText())) {
                out.add(new Decision(id, result));
            }
        }
        return out;
    }

    static List<Comparison> comparisons(List<Decision> usable) {
        Map<String, Map<String, List<Decision>>> by = new LinkedHashMap<>();
        for (Decision d : usable) {
            by.computeIfAbsent(d.comparison(), k -> new LinkedHashMap<>()).computeIfAbsent(d.identity(), k -> new ArrayList<>())
                    .add(d);
        }
        List<Comparison> out = new ArrayList<>();
        by.forEach((name, distinct) -> out.add(new Comparison(name, distinct)));
        return out;
    }

    private static JsonNode readIfExists(Path p) throws IOException {
        return Files.isRegularFile(p) ? Json.mapper().readTree(Files.readString(p)) : null;
    }

    /** One sentence per comparison, from its latest distinct run; never a claim from a run without pairs. */
    static String comparisonSentence(Comparison c) {
        List<List<Decision>> runs = new ArrayList<>(c.distinct().values());
        Decision d = runs.get(runs.size() - 1).get(0);
        JsonNode r = d.result();
        String test = r.at("/arms/test/experiment_id").asText();
        String control = r.at("/arms/control/experiment_id").asText();
        String decision = r.path("decision").asText();
        long pairs = d.pairs();
        String verdict = switch (decision) {
            case "accept_h1" -> test + " beats " + control;
            case "accept_h0" -> test + " does not beat " + control;
            default -> test + " vs " + control + " is inconclusive";
        };
        StringBuilder s = new StringBuilder(verdict).append(" (").append(decision.replace('_', ' ')).append(" after ")
                .append(pairs).append(pairs == 1 ? " pair" : " pairs");
        long fixedN = r.path("fixed_n").asLong();
        if (!decision.equals("inconclusive") && fixedN > pairs) {
            s.append(" of a fixed design's ").append(fixedN);
        }
        s.append(")");
        JsonNode effect = r.path("effect");
        if (pairs < MIN_PAIRS_FOR_EFFECT) {
            s.append("; too few pairs for an effect estimate");
        } else if (effect.path("adjusted").has("estimate")) {
            JsonNode a = effect.path("adjusted");
            s.append(String.format(Locale.ROOT, "; difference in %s %+.0f points [%+.0f, %+.0f] (%s estimate for the "
                    + "sequential design)", r.path("metric").asText("success"), 100 * a.path("estimate").asDouble(),
                    100 * a.path("ci_low").asDouble(), 100 * a.path("ci_high").asDouble(), a.path("method").asText()));
        } else if (effect.has("success_rate_difference")) {
            s.append(String.format(Locale.ROOT, "; difference in %s %+.0f points [%+.0f, %+.0f]%s",
                    r.path("metric").asText("success"), 100 * effect.path("success_rate_difference").asDouble(),
                    100 * effect.path("ci").path(0).asDouble(), 100 * effect.path("ci").path(1).asDouble(),
                    effect.path("biased").asBoolean() ? " (biased away from zero by the early stop)" : ""));
        }
        s.append(String.format(Locale.ROOT, "; %d tasks flipped to pass, %d to fail", r.at("/flipped/to_pass").size(),
                r.at("/flipped/to_fail").size()));
        if (runs.size() > 1) {
            s.append(String.format(Locale.ROOT, "; %d distinct runs of this comparison", runs.size()));
        }
        return s.append(".").toString();
    }

    static String comparisonTable(Comparison c) {
        StringBuilder h = new StringBuilder("<table><tr><th class=\"l\">run</th><th class=\"l\">identical reruns</th>"
                + "<th>seed</th><th class=\"l\">decision</th><th class=\"l\">reason</th><th>pairs</th><th>W/T/L</th>"
                + "<th>control</th><th>test</th><th class=\"l\">effect (as in result.json)</th></tr>");
        for (List<Decision> same : c.distinct().values()) {
            JsonNode r = same.get(0).result();
            JsonNode e = r.path("effect");
            JsonNode adj = e.path("adjusted");
            String effect = r.path("pairs").asLong() < MIN_PAIRS_FOR_EFFECT ? "too few pairs"
                    : adj.has("estimate") ? String.format(Locale.ROOT, "%s: %+.3f [%+.3f, %+.3f] (%s)",
                            r.path("metric").asText("success"), adj.path("estimate").asDouble(), adj.path("ci_low").asDouble(),
                            adj.path("ci_high").asDouble(), adj.path("method").asText())
                    : String.format(Locale.ROOT, "%s: %+.3f [%+.3f, %+.3f]%s", r.path("metric").asText("success"),
                            e.path("success_rate_difference").asDouble(), e.path("ci").path(0).asDouble(),
                            e.path("ci").path(1).asDouble(), e.path("biased").asBoolean() ? " biased (early stop)" : "");
            h.append("<tr><td class=\"l\">").append(Html.esc(same.get(0).runId())).append("</td><td class=\"l\">")
                    .append(Html.esc(String.join(", ", same.stream().skip(1).map(Decision::runId).toList())))
                    .append("</td><td>").append(r.path("seed").asLong()).append("</td><td class=\"l\">")
                    .append(Html.esc(r.path("decision").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(r.path("reason").asText())).append("</td><td>").append(r.path("pairs").asLong())
                    .append("</td><td>").append(r.path("wins").asLong()).append("/").append(r.path("ties").asLong()).append("/")
                    .append(r.path("losses").asLong()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.3f", r.at("/arms/control/success_rate").asDouble()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.3f", r.at("/arms/test/success_rate").asDouble()))
                    .append("</td><td class=\"l\">").append(Html.esc(effect)).append("</td></tr>");
        }
        return h.append("</table>\n").toString();
    }

    static String llrChart(Comparison c) {
        List<SvgPlot.Series> series = new ArrayList<>();
        JsonNode first = null;
        for (List<Decision> same : c.distinct().values()) {
            JsonNode r = same.get(0).result();
            first = first == null ? r : first;
            List<double[]> pts = new ArrayList<>();
            pts.add(new double[] {0, 0});
            for (int i = 0; i < r.path("trace").size(); i++) {
                pts.add(new double[] {i + 1, r.path("trace").get(i).asDouble()});
            }
            series.add(new SvgPlot.Series("seed " + r.path("seed").asText() + " (" + same.get(0).runId() + ")", pts));
        }
        double upper = first.at("/bounds/upper").asDouble();
        double lower = first.at("/bounds/lower").asDouble();
        return SvgPlot.lines("LLR after each pair (" + first.path("test").asText() + "), " + c.name(), "pair",
                "log-likelihood ratio", series, List.of(new SvgPlot.HLine(String.format(Locale.ROOT, "accept H1 (%.2f)", upper),
                        upper), new SvgPlot.HLine(String.format(Locale.ROOT, "accept H0 (%.2f)", lower), lower)));
    }

    /** The Pareto scatter from {@code ParetoAnalysis.analyse}'s JSON. */
    public static String paretoChart(JsonNode analysis, String title) {
        List<SvgPlot.Point> pts = new ArrayList<>();
        for (JsonNode p : analysis.path("points")) {
            pts.add(new SvgPlot.Point(p.path("name").asText(), p.path("cost").asDouble(), p.path("success_rate").asDouble(),
                    p.path("ci").path(0).asDouble(), p.path("ci").path(1).asDouble(), p.path("label").asText().equals("front")));
        }
        return SvgPlot.scatter(title, "mean cost per session (USD)", "success rate", pts);
    }

    public static String paretoTable(JsonNode analysis) {
        StringBuilder h = new StringBuilder("<table class=\"pareto\"><tr><th class=\"l\">config</th><th>cost/session</th>"
                + "<th>sessions</th><th>success</th><th>95% CI</th><th class=\"l\">label</th><th>P(on front)</th></tr>");
        List<JsonNode> sorted = new ArrayList<>();
        analysis.path("points").forEach(sorted::add);
        sorted.sort((a, b) -> Double.compare(a.path("cost").asDouble(), b.path("cost").asDouble()));
        for (JsonNode p : sorted) {
            h.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td>%.5f</td><td>%d</td><td>%.3f</td>"
                    + "<td>[%.3f, %.3f]</td><td class=\"l\">%s</td><td>%.2f</td></tr>", Html.esc(p.path("name").asText()),
                    p.path("cost").asDouble(), p.path("sessions").asLong(), p.path("success_rate").asDouble(),
                    p.path("ci").path(0).asDouble(), p.path("ci").path(1).asDouble(),
                    Html.esc(p.path("label").asText().replace('_', ' ')), p.path("front_probability").asDouble()));
        }
        return h.append("</table>\n").toString();
    }

    static String paretoSentence(JsonNode p) {
        JsonNode m = p.path("min_success");
        String front = String.join(", ", Json.mapper().convertValue(p.path("front"), String[].class));
        if (m.path("name").isNull() || m.isMissingNode()) {
            return "On the cost/success front: " + front + "; no config reaches 80% success.";
        }
        return String.format(Locale.ROOT, "On the cost/success front: %s. The cheapest config with at least 80%% success is "
                + "%s, at %.0f%% of the cost of the most successful (%s).", front, m.path("name").asText(),
                100 * m.path("cost_share").asDouble(), m.path("most_successful").asText());
    }

    public static String heatmap(JsonNode clusters) {
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

    public static String guidelineTable(JsonNode impact) {
        StringBuilder h = new StringBuilder("<p class=\"small\">").append(Html.esc(impact.path("method").asText()))
                .append("</p><table><tr><th>rank</th><th>effect</th><th>95% CI</th><th>with</th><th>without</th>"
                        + "<th class=\"l\">guideline</th></tr>");
        for (JsonNode g : impact.path("guidelines")) {
            boolean est = g.path("status").asText().equals("estimated");
            h.append("<tr><td>").append(est ? g.path("rank").asText() : "-").append("</td><td>")
                    .append(est ? String.format(Locale.ROOT, "%+.3f", g.path("effect").asDouble()) : Html.esc(g.path("status").asText()))
                    .append("</td><td>").append(est ? String.format(Locale.ROOT, "[%+.3f, %+.3f]", g.path("ci").path(0).asDouble(),
                            g.path("ci").path(1).asDouble()) : "").append("</td><td>").append(g.path("sessions_with").asLong())
                    .append("</td><td>").append(g.path("sessions_without").asLong()).append("</td><td class=\"l\">")
                    .append(Html.esc(g.path("text").asText())).append("</td></tr>");
        }
        return h.append("</table>\n").toString();
    }

    public static String errorTable(JsonNode errors) {
        StringBuilder h = new StringBuilder("<table class=\"errors\"><tr><th>count</th><th class=\"l\">kind</th>"
                + "<th class=\"l\">template</th><th class=\"l\">by config</th></tr>");
        int n = 0;
        for (JsonNode t : errors.path("templates")) {
            if (n++ >= 20) {
                break;
            }
            h.append("<tr><td>").append(t.path("count").asLong()).append("</td><td class=\"l\">")
                    .append(Html.esc(t.path("kind").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(t.path("template").asText())).append("</td><td class=\"l\"><ul>");
            t.path("by_config").properties().forEach(e -> h.append("<li>").append(Html.esc(e.getKey())).append(": ")
                    .append(e.getValue().asLong()).append("</li>"));
            h.append("</ul></td></tr>");
        }
        return h.append("</table>\n").toString();
    }

    public static String clusterTable(JsonNode clusters) {
        Map<String, List<String>> byLabel = new TreeMap<>();
        for (JsonNode t : clusters.path("tasks")) {
            byLabel.computeIfAbsent(t.path("label").asText(), k -> new ArrayList<>()).add(t.path("task").asText());
        }
        StringBuilder h = new StringBuilder("<table class=\"clusters\"><tr><th class=\"l\">label</th><th>tasks</th>"
                + "<th class=\"l\">examples</th></tr>");
        clusters.path("counts").properties().forEach(e -> {
            List<String> tasks = byLabel.getOrDefault(e.getKey(), List.of());
            h.append("<tr><td class=\"l\">").append(Html.esc(e.getKey())).append("</td><td>").append(e.getValue().asLong())
                    .append("</td><td class=\"l\">").append(Html.esc(String.join(", ", tasks.subList(0, Math.min(8,
                            tasks.size()))) + (tasks.size() > 8 ? ", ..." : ""))).append("</td></tr>");
        });
        return h.append("</table>\n").toString();
    }
}

package dev.metaorch.serve;

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
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.experiment.ExperimentTracker;
import dev.metaorch.experiment.RunSessions;
import dev.metaorch.experiment.RunState;
import dev.metaorch.experiment.RunStateSource;
import dev.metaorch.pareto.ParetoAnalysis;
import dev.metaorch.pareto.ParetoPoint;
import dev.metaorch.report.Html;
import dev.metaorch.report.ReportBuilder;
import dev.metaorch.report.SvgPlot;
import dev.metaorch.results.ResultStore;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The dashboard's HTML pages, rendered on the server from {@link RunStateSource} and the runs'
 * files and records in its {@link ResultStore} (a results folder, or a team store).
 */
final class Pages {
    /** The session page shows at most this much of an attempt's stderr log (its end). */
    static final int STDERR_TAIL_BYTES = 8192;
    /** The run page lists at most this many sessions (the latest). */
    static final int SESSION_ROWS = 200;

    private final RunStateSource source;
    private final ResultStore store;

    Pages(RunStateSource source) {
        this.source = source;
        this.store = source.store();
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Html.esc(title)
                + " — metaorch</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>"
                + "<nav><strong>metaorch</strong> <a href=\"/\">Runs</a> <a href=\"/experiments\">Experiments</a> "
                + "<a href=\"/pareto\">Pareto</a> <a href=\"/insights\">Insights</a></nav><main>\n<h1>" + Html.esc(title)
                + "</h1>\n" + body + "\n</main><script src=\"/static/app.js\"></script></body></html>\n";
    }

    String error(int status, String message) {
        return page("Error " + status, "<p class=\"error\">" + Html.esc(message) + "</p>");
    }

    // ---- runs ----

    String runs(String experiment) throws IOException {
        List<RunState> states = source.states();
        TreeSet<String> experiments = new TreeSet<>();
        states.forEach(s -> experiments.add(s.experiment()));
        StringBuilder b = new StringBuilder();
        b.append("<form method=\"get\" action=\"/\" class=\"filter\"><label>experiment <select name=\"experiment\">")
                .append("<option value=\"\">all</option>");
        experiments.forEach(e -> b.append("<option").append(e.equals(experiment) ? " selected" : "").append(" value=\"")
                .append(Html.esc(e)).append("\">").append(Html.esc(e)).append("</option>"));
        b.append("</select></label> <button type=\"submit\">filter</button></form>");
        b.append("<table id=\"runs\"><tr><th class=\"l\">run</th><th class=\"l\">experiment</th><th class=\"l\">kind</th>"
                + "<th class=\"l\">status</th><th class=\"l\">decision</th><th>pairs</th><th>spend / cap (USD)</th>"
                + "<th class=\"l\">started</th></tr>");
        int shown = 0;
        for (RunState s : states) {
            if (experiment != null && !experiment.equals(s.experiment())) {
                continue;
            }
            shown++;
            var f = s.figures();
            b.append("<tr><td class=\"l\"><a href=\"/run/").append(Html.esc(s.runId())).append("\">").append(Html.esc(s.runId()))
                    .append("</a></td><td class=\"l\">").append(Html.esc(s.experiment())).append("</td><td class=\"l\">")
                    .append(s.kind()).append("</td><td class=\"l\"><span class=\"status ").append(s.status().label())
                    .append("\">").append(s.status().label()).append("</span></td><td class=\"l\">")
                    .append(Html.esc(s.decision() == null ? "" : s.decision())).append("</td><td>")
                    .append(s.rule() == null ? "" : String.valueOf(s.rule().pairs())).append("</td><td>")
                    .append(money(f.spendUsd().doubleValue())).append(f.capUsd() == null ? "" : " / " + money(f.capUsd().doubleValue()))
                    .append("</td><td class=\"l\">").append(Html.esc(s.startedAt())).append("</td></tr>");
        }
        b.append("</table>");
        if (shown == 0) {
            b.append("<p>No runs in ").append(Html.esc(store.describe())).append(" yet. Start one with "
                    + "<code>metaorch run-experiment --control configs/baseline.json --test configs/exp_042.json</code>.</p>");
        }
        if (states.size() >= 2) {
            b.append("<h2>Compare two runs</h2><form method=\"get\" action=\"/compare\" class=\"filter\">");
            for (String side : List.of("a", "b")) {
                b.append("<label>").append(side).append(" <select name=\"").append(side).append("\">");
                for (int i = 0; i < states.size(); i++) {
                    boolean sel = side.equals("a") ? i == 1 : i == 0;
                    b.append("<option").append(sel ? " selected" : "").append(">").append(Html.esc(states.get(i).runId()))
                            .append("</option>");
                }
                b.append("</select></label> ");
            }
            b.append("<button type=\"submit\">compare</button></form>");
        }
        return page("Runs", b.toString());
    }

    // ---- one run, live ----

    String run(String runId) throws IOException {
        RunState s = source.state(runId);
        StringBuilder b = new StringBuilder();
        b.append("<section id=\"live\" data-run=\"").append(Html.esc(runId)).append("\" data-ended=\"")
                .append(s.status().ended()).append("\">");
        b.append("<p>Status: <span id=\"status\" class=\"status ").append(s.status().label()).append("\">")
                .append(s.status().label()).append("</span> <span id=\"status-reason\" class=\"small\">")
                .append(Html.esc(s.statusReason())).append("</span></p>");
        b.append("<div id=\"resume\"").append(s.resumeCommand() == null ? " hidden" : "").append(">")
                .append("<p>The run's process is gone. Resume it with:</p><pre id=\"resume-cmd\">")
                .append(Html.esc(s.resumeCommand() == null ? "" : s.resumeCommand())).append("</pre></div>");
        b.append("<table class=\"kv\" id=\"figures\">");
        row(b, "experiment", "experiment", s.experiment() + " (" + s.kind() + ")");
        if (s.rule() != null) {
            var r = s.rule();
            row(b, "decision rule", "rule-state", s.ruleState());
            row(b, "W/T/L (test vs control)", "wtl", r.wins() + "/" + r.ties() + "/" + r.losses());
            row(b, "pairs", "pairs", r.pairs() + " (fixed design " + r.fixedN() + ", cap " + r.capPairs() + ")");
            row(b, "LLR (" + r.test() + ")", "llr", fmt3(r.llr()));
            row(b, "bounds", "bounds", "[" + fmt3(r.lower()) + ", " + fmt3(r.upper()) + "]");
            row(b, "outage pairs (both arms failed)", "broken", String.valueOf(r.brokenPairs()));
        }
        var f = s.figures();
        row(b, "spend / cap (all attempts)", "spend", money(f.spendUsd().doubleValue())
                + (f.capUsd() == null ? "" : " / " + money(f.capUsd().doubleValue())));
        row(b, "attempts / sessions", "attempts", f.attempts() + " / " + f.sessions());
        row(b, "in flight (at least)", "in-flight", String.valueOf(f.inFlight()));
        row(b, "infrastructure failures (error, timeout)", "infra", String.valueOf(f.infraFailures()));
        row(b, "ETA", "eta", s.etaSeconds() == null ? "—" : String.format(Locale.ROOT, "%.0f s", s.etaSeconds()));
        row(b, "decision", "decision", s.decision() == null ? "—" : s.decision() + " (" + s.reason() + ")");
        b.append("</table>");
        b.append("<h2>Arms</h2><table id=\"arms\"><tr><th class=\"l\">arm</th><th class=\"l\">config</th><th>sessions</th>"
                + "<th>successes</th><th>success rate</th><th>95% interval (Wilson)</th></tr>");
        for (RunState.Arm a : s.arms()) {
            b.append("<tr><td class=\"l\">").append(Html.esc(a.arm())).append("</td><td class=\"l\">").append(Html.esc(a.experimentId()))
                    .append("</td><td>").append(a.sessions()).append("</td><td>").append(a.successes()).append("</td><td>")
                    .append(fmt3(a.successRate())).append("</td><td>[").append(fmt3(a.ciLow())).append(", ")
                    .append(fmt3(a.ciHigh())).append("]</td></tr>");
        }
        b.append("</table>");
        b.append("<p id=\"effect\" class=\"small\">");
        if (s.effect() != null) {
            var e = s.effect();
            String metric = s.metric() == null ? "the metric" : s.metric();
            if (e.adjusted() != null) {
                var a = e.adjusted();
                b.append(Html.esc(String.format(Locale.ROOT, "Effect estimate (as in result.json), difference in %s: %+.3f, "
                        + "%.0f%% interval [%+.3f, %+.3f] (%s, accounts for the sequential design). Fixed-sample estimate "
                        + "%+.3f [%+.3f, %+.3f]%s. Note: %s", metric, a.estimate(), 100 * a.confidence(), a.ciLow(),
                        a.ciHigh(), a.method(), e.successRateDifference(), e.ci().get(0), e.ci().get(1),
                        e.biased() ? " (biased toward the decision)" : "", e.note())));
            } else {
                b.append(Html.esc(String.format(Locale.ROOT, "Effect estimate (as in result.json), difference in %s: %+.3f, "
                        + "95%% interval [%+.3f, %+.3f]%s. Note: %s", metric, e.successRateDifference(), e.ci().get(0),
                        e.ci().get(1), e.biased() ? " (biased)" : "", e.note())));
            }
        } else if (s.rule() != null) {
            b.append("No effect estimate while the run is open: looking at one and stopping by hand would change the error "
                    + "rates; the decision rule above decides.");
        }
        b.append("</p>");
        if (s.rule() != null) {
            b.append("<h2>LLR after each pair</h2><div id=\"llr-chart\" class=\"chart\" data-n=\"").append(s.trace().size())
                    .append("\">").append(llrChart(s)).append("</div>");
        }
        b.append("<h2>Sessions</h2><div id=\"sessions\" data-attempts=\"").append(f.attempts()).append("\">")
                .append(sessionTable(runId)).append("</div>");
        b.append("</section>");
        return page("Run " + runId, b.toString());
    }

    String llrChart(RunState s) {
        if (s.rule() == null) {
            return "";
        }
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {0, 0});
        for (int i = 0; i < s.trace().size(); i++) {
            pts.add(new double[] {i + 1, s.trace().get(i)});
        }
        var r = s.rule();
        return SvgPlot.lines("LLR after each pair (" + r.test() + ")", "pair", "log-likelihood ratio",
                List.of(new SvgPlot.Series("LLR", pts)),
                List.of(new SvgPlot.HLine("accept H1 (" + fmt2(r.upper()) + ")", r.upper()),
                        new SvgPlot.HLine("accept H0 (" + fmt2(r.lower()) + ")", r.lower())));
    }

    /**
     * The latest sessions of a run, one row per session (the attempt that landed last), newest
     * first: from the run's replay, so a live page's refresh reads only what landed since.
     */
    String sessionTable(String runId) throws IOException {
        RunSessions sessions = source.sessions(runId, SESSION_ROWS);
        StringBuilder b = new StringBuilder("<table class=\"sessions\"><tr><th class=\"l\">session</th><th class=\"l\">arm</th>"
                + "<th>pair</th><th class=\"l\">task</th><th class=\"l\">outcome</th><th>attempts</th><th>cost (USD)</th></tr>");
        for (RunSessions.Row row : sessions.rows()) {
            SessionRecord r = row.last();
            b.append("<tr><td class=\"l\"><a href=\"/session?id=").append(Html.esc(java.net.URLEncoder.encode(r.sessionId(),
                    StandardCharsets.UTF_8))).append("\">").append(Html.esc(r.sessionId())).append("</a></td><td class=\"l\">")
                    .append(Html.esc(r.arm())).append("</td><td>").append(r.pair()).append("</td><td class=\"l\">")
                    .append(Html.esc(r.task() == null ? "" : r.task().id())).append("</td><td class=\"l\">")
                    .append(r.outcome().label()).append("</td><td>").append(row.attempts()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.5f", r.costUsd())).append("</td></tr>");
        }
        b.append("</table>");
        if (sessions.total() > SESSION_ROWS) {
            b.append("<p class=\"small\">the latest ").append(SESSION_ROWS).append(" of ").append(sessions.total())
                    .append(" sessions</p>");
        }
        return b.toString();
    }

    // ---- compare ----

    String compare(String a, String b) throws IOException {
        if (a == null || b == null) {
            throw MetaorchException.invalidInput("compare: needs two runs, ?a=RUN_ID&b=RUN_ID");
        }
        RunState sa = source.state(a);
        RunState sb = source.state(b);
        Map<String, ArmStats> armsA = armStats(a);
        Map<String, ArmStats> armsB = armStats(b);
        StringBuilder h = new StringBuilder();
        h.append("<table id=\"decisions\"><tr><th class=\"l\"></th><th class=\"l\">A: ").append(link(a))
                .append("</th><th class=\"l\">B: ").append(link(b)).append("</th></tr>");
        compareRow(h, "experiment", sa.experiment(), sb.experiment());
        compareRow(h, "status", sa.status().label(), sb.status().label());
        compareRow(h, "decision", sa.decision() == null ? "—" : sa.decision() + " (" + sa.reason() + ")",
                sb.decision() == null ? "—" : sb.decision() + " (" + sb.reason() + ")");
        compareRow(h, "W/T/L", wtl(sa), wtl(sb));
        compareRow(h, "spend (USD)", money(sa.figures().spendUsd().doubleValue()), money(sb.figures().spendUsd().doubleValue()));
        h.append("</table>");
        h.append("<h2>Per-arm metrics</h2><table id=\"arm-metrics\"><tr><th class=\"l\" rowspan=\"2\">run</th>"
                + "<th class=\"l\" rowspan=\"2\">arm</th><th class=\"l\" rowspan=\"2\">config</th>"
                + "<th colspan=\"3\">in the test (pairs evaluated)</th><th colspan=\"4\">every completed session</th></tr>"
                + "<tr><th>sessions</th><th>success</th><th>95% interval</th><th>sessions</th><th>cost/session</th>"
                + "<th>tokens/session</th><th>latency (ms)</th></tr>");
        armRows(h, "A", sa, armsA);
        armRows(h, "B", sb, armsB);
        h.append("</table>");
        h.append("<h2>Tasks that flipped</h2><p class=\"small\">Per arm present in both runs: a task flips when most of its "
                + "sessions succeed in one run and most fail in the other (a tie is no flip).</p>");
        h.append(flipTable(a, b));
        h.append("<h2>Configs, key by key</h2>").append(configDiff(a, b));
        return page("Compare " + a + " and " + b, h.toString());
    }

    private static String wtl(RunState s) {
        return s.rule() == null ? "—" : s.rule().wins() + "/" + s.rule().ties() + "/" + s.rule().losses() + " in "
                + s.rule().pairs() + " pairs";
    }

    private static void compareRow(StringBuilder h, String name, String a, String b) {
        h.append("<tr><th class=\"l\">").append(Html.esc(name)).append("</th><td class=\"l\">").append(Html.esc(a))
                .append("</td><td class=\"l\">").append(Html.esc(b)).append("</td></tr>");
    }

    private static void armRows(StringBuilder h, String side, RunState s, Map<String, ArmStats> arms) {
        for (RunState.Arm a : s.arms()) {
            ArmStats st = arms.getOrDefault(a.arm(), new ArmStats());
            h.append("<tr><td class=\"l\">").append(side).append("</td><td class=\"l\">").append(Html.esc(a.arm()))
                    .append("</td><td class=\"l\">").append(Html.esc(a.experimentId())).append("</td><td>")
                    .append(a.sessions()).append("</td><td>").append(fmt3(a.successRate())).append("</td><td>[")
                    .append(fmt3(a.ciLow())).append(", ").append(fmt3(a.ciHigh())).append("]</td><td>")
                    .append(st.sessions()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.5f", st.costPerSession())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.0f", st.tokensMean())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.0f", st.latencyMean())).append("</td></tr>");
        }
    }

    /** Counting sessions of one run by arm (a session's final attempt, as every analysis counts them). */
    private Map<String, ArmStats> armStats(String runId) throws IOException {
        Map<String, ArmStats> out = new TreeMap<>();
        new SessionSource(store, List.of(runId)).forEach(r -> out.computeIfAbsent(r.arm(), k -> new ArmStats()).add(r),
                p -> { });
        return out;
    }

    private String flipTable(String a, String b) throws IOException {
        Map<String, Map<String, long[]>> ta = byArmTask(a);
        Map<String, Map<String, long[]>> tb = byArmTask(b);
        StringBuilder h = new StringBuilder("<table id=\"flipped\"><tr><th class=\"l\">arm</th><th class=\"l\">task</th>"
                + "<th>A successes/sessions</th><th>B successes/sessions</th><th class=\"l\">from A to B</th></tr>");
        int n = 0;
        for (var arm : ta.entrySet()) {
            Map<String, long[]> other = tb.get(arm.getKey());
            if (other == null) {
                continue;
            }
            for (var task : arm.getValue().entrySet()) {
                long[] x = task.getValue();
                long[] y = other.get(task.getKey());
                if (y == null || x[1] == 0 || y[1] == 0) {
                    continue;
                }
                int majorityA = Long.signum(2 * x[0] - x[1]);
                int majorityB = Long.signum(2 * y[0] - y[1]);
                boolean passB = majorityB > 0;
                if (majorityA != 0 && majorityB != 0 && majorityA != majorityB) {
                    n++;
                    h.append("<tr><td class=\"l\">").append(Html.esc(arm.getKey())).append("</td><td class=\"l\">")
                            .append(Html.esc(task.getKey())).append("</td><td>").append(x[0]).append("/").append(x[1])
                            .append("</td><td>").append(y[0]).append("/").append(y[1]).append("</td><td class=\"l\">")
                            .append(passB ? "to pass" : "to fail").append("</td></tr>");
                }
            }
        }
        h.append("</table>");
        if (n == 0) {
            h.append("<p>No task flipped.</p>");
        }
        return h.toString();
    }

    private Map<String, Map<String, long[]>> byArmTask(String runId) throws IOException {
        Map<String, Map<String, long[]>> out = new TreeMap<>();
        new SessionSource(store, List.of(runId)).forEach(r -> {
            if (r.task() != null && !r.outcome().isInfrastructure()) {
                long[] c = out.computeIfAbsent(r.arm(), k -> new TreeMap<>()).computeIfAbsent(r.task().id(), k -> new long[2]);
                c[0] += r.success() ? 1 : 0;
                c[1]++;
            }
        }, p -> { });
        return out;
    }

    private String configDiff(String a, String b) throws IOException {
        Map<String, JsonNode> ca = configs(a);
        Map<String, JsonNode> cb = configs(b);
        StringBuilder h = new StringBuilder("<table id=\"config-diff\"><tr><th class=\"l\">arm</th><th class=\"l\">key</th>"
                + "<th class=\"l\">A</th><th class=\"l\">B</th></tr>");
        TreeSet<String> arms = new TreeSet<>(ca.keySet());
        arms.addAll(cb.keySet());
        int n = 0;
        for (String arm : arms) {
            Map<String, String> fa = flatten(ca.get(arm));
            Map<String, String> fb = flatten(cb.get(arm));
            TreeSet<String> keys = new TreeSet<>(fa.keySet());
            keys.addAll(fb.keySet());
            for (String k : keys) {
                String va = fa.get(k);
                String vb = fb.get(k);
                if (!java.util.Objects.equals(va, vb)) {
                    n++;
                    h.append("<tr><td class=\"l\">").append(Html.esc(arm)).append("</td><td class=\"l\"><code>")
                            .append(Html.esc(k)).append("</code></td><td class=\"l\">").append(Html.esc(va == null ? "(absent)" : va))
                            .append("</td><td class=\"l\">").append(Html.esc(vb == null ? "(absent)" : vb)).append("</td></tr>");
                }
            }
        }
        h.append("</table>");
        if (n == 0) {
            h.append("<p>The configs are identical.</p>");
        }
        return h.toString();
    }

    private Map<String, JsonNode> configs(String runId) throws IOException {
        requireRun(runId);
        Map<String, JsonNode> out = new TreeMap<>();
        for (String name : store.fileNames(runId)) {
            if (name.startsWith("config.") && name.endsWith(".json")) {
                out.put(name.substring(7, name.length() - 5), store.json(runId, name).orElse(null));
            }
        }
        return out;
    }

    /** JSON pointer to a scalar's text (arrays of scalars stay whole, as one value). */
    static Map<String, String> flatten(JsonNode n) {
        Map<String, String> out = new TreeMap<>();
        if (n != null) {
            flatten("", n, out);
        }
        return out;
    }

    private static void flatten(String at, JsonNode n, Map<String, String> out) {
        if (n.isObject()) {
            n.properties().forEach(e -> flatten(at + "/" + e.getKey(), e.getValue(), out));
        } else if (n.isArray() && n.size() > 0 && n.get(0).isContainerNode()) {
            for (int i = 0; i < n.size(); i++) {
                flatten(at + "/" + i, n.get(i), out);
            }
        } else {
            out.put(at.isEmpty() ? "/" : at, n.isTextual() ? n.asText() : n.toString());
        }
    }

    // ---- one session ----

    String session(String id) throws IOException {
        if (id == null) {
            throw MetaorchException.invalidInput("session: needs ?id=RUN_ID/ARM/PAIR");
        }
        String[] parts = id.split("/", -1);
        if (parts.length < 2) {
            throw MetaorchException.invalidInput("session " + id + ": a session id is RUN_ID/ARM/PAIR");
        }
        String runId = SafeIds.require("session run id", parts[0]);
        requireRun(runId);
        List<SessionRecord> attempts = new ArrayList<>();
        store.records(runId, r -> {
            if (r.sessionId().equals(id)) {
                attempts.add(r);
            }
        }, p -> { });
        if (attempts.isEmpty()) {
            throw MetaorchException.invalidInput("session " + id + ": no record of it in " + store.place(runId, "sessions.jsonl"));
        }
        // agents' stderr logs and transcripts stay in the run folder of the machine that ran them
        Path dir = store.localFolder(runId).orElse(null);
        StringBuilder h = new StringBuilder("<p>Run <a href=\"/run/").append(Html.esc(runId)).append("\">")
                .append(Html.esc(runId)).append("</a>; ").append(attempts.size()).append(attempts.size() == 1 ? " attempt" : " attempts")
                .append(".</p>");
        String base = id.replace('/', '_');
        for (SessionRecord r : attempts) {
            h.append("<h2>Attempt ").append(r.attempt()).append(": ").append(r.outcome().label()).append("</h2>");
            h.append("<table class=\"kv record\">");
            flatten(Json.tree(r)).forEach((k, v) -> h.append("<tr><th class=\"l\"><code>").append(Html.esc(k.substring(1)))
                    .append("</code></th><td class=\"l\">").append(Html.esc(v)).append("</td></tr>"));
            h.append("</table>");
            Path stderr = dir == null ? null : dir.resolve("logs").resolve(base + ".a" + r.attempt() + ".stderr.log");
            if (stderr != null && Files.isRegularFile(stderr)) {
                h.append("<h3>stderr (the last ").append(STDERR_TAIL_BYTES).append(" bytes at most)</h3><pre class=\"stderr\">")
                        .append(Html.esc(tail(stderr))).append("</pre>");
            }
        }
        h.append("<h2>Transcript</h2>").append(dir != null ? transcript(dir, base) : "<p class=\"small\" id=\"no-transcript\">"
                + "Transcripts and agents' logs stay on the machine that ran the session; " + Html.esc(store.describe())
                + " keeps its records (above).</p>");
        return page("Session " + id, h.toString());
    }

    /**
     * A transcript file of the session, when the run recorded one: {@code transcripts/<id with
     * '_' for '/'>*} in the run folder, JSON Lines of events, shown one event per row.
     */
    private static String transcript(Path dir, String base) throws IOException {
        Path t = dir.resolve("transcripts");
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(t)) {
            try (Stream<Path> s = Files.list(t)) {
                s.filter(p -> p.getFileName().toString().startsWith(base + ".") || p.getFileName().toString().equals(base))
                        .sorted().forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            return "<p class=\"small\" id=\"no-transcript\">No transcript was recorded for this session (the session "
                    + "record and the agent's stderr are above).</p>";
        }
        StringBuilder h = new StringBuilder();
        for (Path f : files) {
            h.append("<h3>").append(Html.esc(f.getFileName().toString())).append("</h3><table class=\"transcript\">"
                    + "<tr><th>#</th><th class=\"l\">event</th><th class=\"l\">details</th></tr>");
            int i = 0;
            try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
                Iterator<String> it = lines.iterator();
                while (it.hasNext() && i < 2000) {
                    String line = it.next();
                    if (line.isBlank()) {
                        continue;
                    }
                    i++;
                    JsonNode e;
                    try {
                        e = Json.mapper().readTree(line);
                    } catch (IOException ex) {
                        h.append("<tr><td>").append(i).append("</td><td class=\"l\">(not JSON)</td><td class=\"l\">")
                                .append(Html.esc(line)).append("</td></tr>");
                        continue;
                    }
                    // metaorch's transcript lines name their kind (start, agent, llm, warning, truncated,
                    // end); an agent line carries the agent's event, whose type is shown beside it
                    String label = e.has("kind") ? e.path("kind").asText()
                            + (e.path("event").has("type") ? ": " + e.path("event").path("type").asText() : "")
                            : e.path("type").asText("?");
                    StringBuilder d = new StringBuilder("<ul>");
                    flatten(e).forEach((k, v) -> {
                        if (!k.equals("/type") && !k.equals("/kind") && !k.equals("/event/type")) {
                            d.append("<li><code>").append(Html.esc(k.substring(1))).append("</code> ").append(Html.esc(v))
                                    .append("</li>");
                        }
                    });
                    h.append("<tr><td>").append(i).append("</td><td class=\"l\">").append(Html.esc(label))
                            .append("</td><td class=\"l\">").append(d).append("</ul></td></tr>");
                }
            }
            h.append("</table>");
        }
        return h.toString();
    }

    private static String tail(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(0, len - STDERR_TAIL_BYTES);
            byte[] b = new byte[(int) (len - from)];
            raf.seek(from);
            raf.readFully(b);
            return (from > 0 ? "...\n" : "") + new String(b, StandardCharsets.UTF_8);
        }
    }

    // ---- Pareto, experiments, insights ----

    private RunScope scope(List<String> runs, boolean all) throws IOException {
        return RunScope.resolve(store, runs, null, all, RunScope.Default.LATEST_DATA_SET);
    }

    private static String scopeNote(RunScope scope) {
        StringBuilder h = new StringBuilder("<p class=\"small\" id=\"scope\">").append(Html.esc(scope.firstLine()))
                .append(" <a href=\"?all=1\">all runs</a></p>");
        scope.warnings().forEach(w -> h.append("<p class=\"warn\">warning: ").append(Html.esc(w)).append("</p>"));
        return h.toString();
    }

    String pareto(List<String> runs, boolean all) throws IOException {
        RunScope scope = scope(runs, all);
        if (scope.runs().isEmpty()) {
            return page("Pareto front", "<p>No runs yet.</p>");
        }
        Aggregation agg = new Aggregation(List.of(GroupKey.CONFIG));
        new SessionSource(store, scope.runIds()).forEach(agg, p -> { });
        List<ParetoPoint> points = new ArrayList<>();
        agg.groups().forEach((name, s) -> {
            if (s.sessions() > 0) {
                points.add(new ParetoPoint(name, s.costPerSession(), s.successes(), s.sessions()));
            }
        });
        if (points.isEmpty()) {
            return page("Pareto front", scopeNote(scope) + "<p>No sessions in scope.</p>");
        }
        ObjectNode analysis = ParetoAnalysis.analyse(points, 0.8, 1000, 1);
        return page("Pareto front", scopeNote(scope) + "<div class=\"chart\">"
                + ReportBuilder.paretoChart(analysis, "Cost vs success by config (Wilson 95% intervals)") + "</div>"
                + "<p class=\"small\">P(on front): the share of " + analysis.path("front_probability_draws").asInt()
                + " posterior draws (seed " + analysis.path("seed").asLong() + ") in which the config is on the front.</p>"
                + ReportBuilder.paretoTable(analysis));
    }

    String experiments() throws IOException {
        List<ObjectNode> entries = ExperimentTracker.fold(store.tracker().lines());
        Map<String, String> parent = new LinkedHashMap<>();
        entries.forEach(e -> {
            if (e.hasNonNull("parent")) {
                parent.putIfAbsent(e.path("experiment_id").asText(), e.path("parent").asText());
            }
        });
        StringBuilder h = new StringBuilder("<table id=\"experiments\"><tr><th class=\"l\">run</th><th class=\"l\">experiment</th>"
                + "<th class=\"l\">lineage</th><th class=\"l\">control</th><th class=\"l\">status</th><th class=\"l\">decision</th>"
                + "<th>sessions</th><th>spend (USD)</th><th class=\"l\">hypothesis</th></tr>");
        List<ObjectNode> newest = new ArrayList<>(entries);
        java.util.Collections.reverse(newest);
        for (ObjectNode e : newest) {
            String exp = e.path("experiment_id").asText();
            List<String> chain = new ArrayList<>(List.of(exp));
            String p = parent.get(exp);
            while (p != null && chain.size() < 32 && !chain.contains(p)) {
                chain.add(p);
                p = parent.get(p);
            }
            JsonNode hyp = e.path("hypothesis");
            String hypothesis = hyp.isObject() ? String.format(Locale.ROOT, "%s: %s (metric %s, expected %+.2f)",
                    hyp.path("id").asText("?"), hyp.path("description").asText(""), hyp.path("metric").asText("?"),
                    hyp.path("expected_improvement").asDouble()) : "";
            h.append("<tr><td class=\"l\">").append(link(e.path("run_id").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(exp)).append("</td><td class=\"l\">").append(Html.esc(String.join(" ← ", chain)))
                    .append("</td><td class=\"l\">").append(Html.esc(e.path("control").asText(""))).append("</td><td class=\"l\">")
                    .append(Html.esc(e.path("status").asText())).append("</td><td class=\"l\">")
                    .append(Html.esc(e.path("decision").asText(""))).append("</td><td>").append(e.path("sessions").asLong())
                    .append("</td><td>").append(money(e.path("spend_usd").asDouble())).append("</td><td class=\"l\">")
                    .append(Html.esc(hypothesis)).append("</td></tr>");
        }
        h.append("</table>");
        if (entries.isEmpty()) {
            h.append("<p>The tracker (").append(Html.esc(store.tracker().describe()))
                    .append(") is empty.</p>");
        }
        return page("Experiments", h.toString());
    }

    String insights(List<String> runs, boolean all) throws IOException {
        RunScope scope = scope(runs, all);
        if (scope.runs().isEmpty()) {
            return page("Insights", "<p>No runs yet.</p>");
        }
        TaskClusters clusters = new TaskClusters(TaskClusters.Thresholds.DEFAULT);
        GuidelineImpact impact = new GuidelineImpact();
        ErrorPatterns errors = new ErrorPatterns(0.5);
        new SessionSource(store, scope.runIds()).forEach(r -> {
            clusters.accept(r);
            impact.accept(r);
            errors.accept(r);
        }, p -> { });
        ObjectNode cj = clusters.toJson();
        return page("Insights", scopeNote(scope) + "<h2>Task clusters</h2>" + ReportBuilder.clusterTable(cj)
                + "<h2>Guideline impact</h2>" + ReportBuilder.guidelineTable(impact.toJson(store.hashes()))
                + "<h2>Failure patterns</h2>" + ReportBuilder.errorTable(errors.toJson())
                + "<h2>Success by task and config</h2>" + ReportBuilder.heatmap(cj));
    }

    // ---- helpers ----

    private void requireRun(String runId) throws IOException {
        if (store.run(SafeIds.require("RUN_ID", runId)).isEmpty()) {
            throw MetaorchException.invalidInput("RUN_ID " + runId + ": no run with that id in " + store.describe());
        }
    }

    private static String link(String runId) {
        return "<a href=\"/run/" + Html.esc(runId) + "\">" + Html.esc(runId) + "</a>";
    }

    private static void row(StringBuilder b, String name, String id, String value) {
        b.append("<tr><th class=\"l\">").append(Html.esc(name)).append("</th><td class=\"l\" id=\"").append(id).append("\">")
                .append(Html.esc(value)).append("</td></tr>");
    }

    static String money(double v) {
        return String.format(Locale.ROOT, "$%.4f", v);
    }

    static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}

package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.BenjaminiHochberg;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.commons.math3.distribution.HypergeometricDistribution;

/**
 * Failure-pattern mining. Error messages ({@code metrics.error_messages}, an {@code error}'s
 * message) and blocked-call reasons ({@code metrics.blocked_reasons}) are normalised (quoted
 * strings, paths, ids and skus, numbers become placeholders) and clustered by a Drain-style miner
 * (He et al. 2017): messages with the same token count and first token are matched against the
 * existing templates of that group; a message joins the template sharing at least
 * {@code similarity} of its tokens, and the tokens that differ become {@code <*>}.
 * "Systematic issues" are templates whose share of sessions rises significantly in the test arm
 * over the control: a one-sided Fisher exact test per template (hypergeometric distribution), with
 * the false discovery rate across all templates held at 5% by Benjamini–Hochberg (q ≤ 0.05).
 */
public final class ErrorPatterns implements Consumer<SessionRecord> {
    private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"[^\"]*\"");
    private static final Pattern PATH = Pattern.compile("(?<![\\w-])(/[\\w.-]+)+");
    private static final Pattern ID = Pattern.compile("\\b(?=[A-Za-z-]*\\d)(?=[\\w-]*[A-Za-z])[A-Za-z][\\w]*-[\\w-]+\\b"
            + "|\\b[A-Za-z]+\\d+[\\w]*\\b|\\b(?:tsk|ssn)-\\w+\\b");
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+(\\.\\d+)?\\b");

    /** False discovery rate of the "systematic issues" across templates. */
    static final double FDR = 0.05;

    private final double similarity;
    private final Map<String, List<Template>> groups = new HashMap<>();
    private final List<Template> templates = new ArrayList<>();
    private final Map<String, Long> sessionsByArm = new TreeMap<>();
    private final Map<String, Long> sessionsByConfig = new TreeMap<>();

    /** One cluster of messages. */
    static final class Template {
        final int id;
        String[] tokens;
        final String kind;
        long count;
        final Map<String, Long> byConfig = new TreeMap<>();
        final Map<String, java.util.Set<String>> sessionsByArm = new HashMap<>();
        final List<String> examples = new ArrayList<>();

        Template(int id, String[] tokens, String kind) {
            this.id = id;
            this.tokens = tokens;
            this.kind = kind;
        }

        String text() {
            return String.join(" ", tokens);
        }
    }

    public ErrorPatterns(double similarity) {
        this.similarity = similarity;
    }

    /** Numbers, ids, quoted strings, paths and skus to placeholders. */
    public static String normalise(String message) {
        String s = QUOTED.matcher(message).replaceAll("<str>");
        s = PATH.matcher(s).replaceAll("<path>");
        s = ID.matcher(s).replaceAll("<id>");
        s = NUMBER.matcher(s).replaceAll("<n>");
        return s.trim().replaceAll("\\s+", " ");
    }

    @Override
    public void accept(SessionRecord r) {
        sessionsByArm.merge(r.arm(), 1L, Long::sum);
        sessionsByConfig.merge(r.experimentId(), 1L, Long::sum);
        JsonNode m = r.metrics();
        if (m != null) {
            m.path("error_messages").forEach(e -> add(e.asText(), "error", r));
            m.path("blocked_reasons").forEach(e -> add(e.asText(), "blocked", r));
        }
        if (r.error() != null && r.error().message() != null && !r.outcome().label().equals("cancelled")) {
            add(r.error().message(), "error", r);
        }
    }

    private void add(String message, String kind, SessionRecord r) {
        String[] tokens = normalise(message).split(" ");
        String key = kind + "|" + tokens.length + "|" + tokens[0];
        List<Template> group = groups.computeIfAbsent(key, k -> new ArrayList<>());
        Template best = null;
        double bestSim = -1;
        for (Template t : group) {
            int same = 0;
            for (int i = 0; i < tokens.length; i++) {
                same += t.tokens[i].equals(tokens[i]) || t.tokens[i].equals("<*>") ? 1 : 0;
            }
            double sim = (double) same / tokens.length;
            if (sim > bestSim) {
                bestSim = sim;
                best = t;
            }
        }
        if (best == null || bestSim < similarity) {
            best = new Template(templates.size() + 1, tokens, kind);
            group.add(best);
            templates.add(best);
        } else {
            for (int i = 0; i < tokens.length; i++) {
                if (!best.tokens[i].equals(tokens[i])) {
                    best.tokens[i] = "<*>";
                }
            }
        }
        best.count++;
        best.byConfig.merge(r.experimentId(), 1L, Long::sum);
        best.sessionsByArm.computeIfAbsent(r.arm(), k -> new java.util.HashSet<>()).add(r.sessionId());
        if (best.examples.size() < 3 && !best.examples.contains(message)) {
            best.examples.add(message);
        }
    }

    public int templateCount() {
        return templates.size();
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("similarity", similarity);
        ArrayNode arr = o.putArray("templates");
        List<Template> sorted = new ArrayList<>(templates);
        sorted.sort((a, b) -> Long.compare(b.count, a.count));
        for (Template t : sorted) {
            ObjectNode n = arr.addObject();
            n.put("id", t.id).put("kind", t.kind).put("template", t.text()).put("count", t.count);
            n.set("by_config", Json.tree(t.byConfig));
            Map<String, Double> rate = new LinkedHashMap<>();
            t.byConfig.forEach((c, v) -> rate.put(c, (double) v / sessionsByConfig.getOrDefault(c, 1L)));
            n.set("per_session_by_config", Json.tree(rate));
            n.set("examples", Json.tree(t.examples));
        }
        ArrayNode systematic = o.putArray("systematic_issues");
        long control = sessionsByArm.getOrDefault("control", 0L);
        long test = sessionsByArm.getOrDefault("test", 0L);
        if (control > 0 && test > 0) {
            double[] p = new double[sorted.size()];
            for (int i = 0; i < p.length; i++) {
                Template t = sorted.get(i);
                p[i] = fisherGreater(t.sessionsByArm.getOrDefault("test", java.util.Set.of()).size(), (int) test,
                        t.sessionsByArm.getOrDefault("control", java.util.Set.of()).size(), (int) control);
            }
            double[] q = BenjaminiHochberg.adjust(p);
            for (int i = 0; i < p.length; i++) {
                Template t = sorted.get(i);
                int inTest = t.sessionsByArm.getOrDefault("test", java.util.Set.of()).size();
                int inControl = t.sessionsByArm.getOrDefault("control", java.util.Set.of()).size();
                if ((double) inTest / test > (double) inControl / control && q[i] <= FDR) {
                    systematic.addObject().put("template", t.text()).put("test_sessions", inTest).put("test_rate",
                            (double) inTest / test).put("control_sessions", inControl)
                            .put("control_rate", (double) inControl / control).put("p_value", p[i]).put("q_value", q[i])
                            .put("test_used", "one-sided Fisher exact test (hypergeometric), Benjamini-Hochberg across the "
                                    + p.length + " templates at FDR " + FDR);
                }
            }
        }
        return o;
    }

    /** One-sided Fisher exact p-value that the rate in group 1 (k1 of n1) exceeds group 2's (k2 of n2). */
    static double fisherGreater(int k1, int n1, int k2, int n2) {
        int total = n1 + n2;
        int hits = k1 + k2;
        if (hits == 0) {
            return 1;
        }
        HypergeometricDistribution h = new HypergeometricDistribution(null, total, hits, n1);
        return h.upperCumulativeProbability(k1);
    }

    /** The templates as (template, count) for reports. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        templates.stream().sorted((a, b) -> Long.compare(b.count, a.count)).forEach(t -> out.put(t.text(), t.count));
        return out;
    }
}

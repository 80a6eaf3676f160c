package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import dev.metaorch.stats.BenjaminiHochberg;
import org.apache.commons.math3.stat.inference.ChiSquareTest;

/**
 * Seed 001's task clustering. Per task id, each config's success rate; a task is
 * {@code trivial} when every config with at least {@code minSessions} sessions succeeds at
 * ≥ {@code trivialAt}, {@code challenging} when every such config is ≤ {@code challengingAt},
 * {@code discriminative} when the configs' success rates differ significantly (chi-square test of
 * homogeneity on the configs × {success, failure} table, Commons Math), with the false discovery
 * rate controlled at {@code alpha} across all the tasks tested (Benjamini–Hochberg), and
 * {@code unclear} otherwise or when fewer than two configs have enough sessions. (One test per
 * task at p < alpha, as before ADR-132, labels about alpha × the suite "discriminative" by chance.)
 */
public final class TaskClusters implements Consumer<SessionRecord> {
    /** Thresholds (documented defaults: 0.9, 0.1, 5 sessions, alpha 0.05). */
    public record Thresholds(double trivialAt, double challengingAt, int minSessions, double alpha) {
        public static final Thresholds DEFAULT = new Thresholds(0.9, 0.1, 5, 0.05);
    }

    private final Thresholds t;
    private final Map<String, Map<String, long[]>> byTask = new TreeMap<>();
    private final Map<String, String> codes = new TreeMap<>();

    public TaskClusters(Thresholds thresholds) {
        this.t = thresholds;
    }

    @Override
    public void accept(SessionRecord r) {
        if (r.outcome().isInfrastructure() || r.task() == null) {
            return;
        }
        long[] c = byTask.computeIfAbsent(r.task().id(), k -> new TreeMap<>()).computeIfAbsent(r.experimentId(), k -> new long[2]);
        c[0] += r.success() ? 1 : 0;
        c[1]++;
        codes.putIfAbsent(r.task().id(), r.task().code());
    }

    /** Task id to label. */
    public Map<String, String> labels() {
        Map<String, String> out = new TreeMap<>();
        classify().forEach((task, c) -> out.put(task, c.label()));
        return out;
    }

    /** Homogeneity tests in the false-discovery-rate family (tasks neither trivial, challenging nor too thin). */
    public int tests() {
        return (int) classify().values().stream().filter(c -> c.p() != null).count();
    }

    /** One task's label, with its chi-square p-value and BH-adjusted q-value when it was tested. */
    record Classified(String label, Double p, Double q) {
    }

    Map<String, Classified> classify() {
        Map<String, Classified> out = new TreeMap<>();
        List<String> tested = new ArrayList<>();
        List<Double> pValues = new ArrayList<>();
        byTask.forEach((task, configs) -> {
            Double p = pValue(configs);
            out.put(task, new Classified(p == null ? preLabel(configs) : "unclear", p, null));
            if (p != null) {
                tested.add(task);
                pValues.add(p);
            }
        });
        double[] q = BenjaminiHochberg.adjust(pValues.stream().mapToDouble(Double::doubleValue).toArray());
        for (int i = 0; i < q.length; i++) {
            out.put(tested.get(i), new Classified(q[i] <= t.alpha() ? "discriminative" : "unclear", pValues.get(i), q[i]));
        }
        return out;
    }

    private List<long[]> enough(Map<String, long[]> configs) {
        return configs.values().stream().filter(c -> c[1] >= t.minSessions()).toList();
    }

    /** trivial, challenging or unclear, for a task that gets no homogeneity test. */
    private String preLabel(Map<String, long[]> configs) {
        List<long[]> enough = enough(configs);
        if (enough.isEmpty()) {
            return "unclear";
        }
        if (enough.stream().allMatch(c -> (double) c[0] / c[1] >= t.trivialAt())) {
            return "trivial";
        }
        if (enough.stream().allMatch(c -> (double) c[0] / c[1] <= t.challengingAt())) {
            return "challenging";
        }
        return "unclear";
    }

    /** The chi-square homogeneity p-value, or null when the task is trivial, challenging or untestable. */
    private Double pValue(Map<String, long[]> configs) {
        List<long[]> enough = enough(configs);
        if (enough.size() < 2 || !preLabel(configs).equals("unclear")) {
            return null;
        }
        long[][] table = new long[enough.size()][2];
        long totalS = 0;
        long totalF = 0;
        for (int i = 0; i < enough.size(); i++) {
            table[i][0] = enough.get(i)[0];
            table[i][1] = enough.get(i)[1] - enough.get(i)[0];
            totalS += table[i][0];
            totalF += table[i][1];
        }
        return totalS > 0 && totalF > 0 ? new ChiSquareTest().chiSquareTest(table) : null;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.putObject("thresholds").put("trivial_at", t.trivialAt()).put("challenging_at", t.challengingAt())
                .put("min_sessions", t.minSessions()).put("alpha", t.alpha());
        o.put("method", "discriminative: chi-square homogeneity test per task, false discovery rate controlled at "
                + "alpha by Benjamini-Hochberg across the tasks tested");
        ArrayNode arr = o.putArray("tasks");
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Classified> classified = classify();
        int[] tests = new int[1];
        byTask.forEach((task, configs) -> {
            Classified c = classified.get(task);
            String label = c.label();
            counts.merge(label, 1, Integer::sum);
            tests[0] += c.p() == null ? 0 : 1;
            ObjectNode n = arr.addObject();
            n.put("task", task).put("code", codes.get(task)).put("label", label).put("p_value", c.p())
                    .put("q_value", c.q());
            ObjectNode rates = n.putObject("success_by_config");
            configs.forEach((cfg, x) -> rates.putObject(cfg).put("successes", x[0]).put("sessions", x[1])
                    .put("rate", (double) x[0] / x[1]));
        });
        o.set("counts", Json.tree(counts));
        o.put("tests", tests[0]);
        return o;
    }

    /** Task ids labelled {@code label}. */
    public List<String> tasksLabelled(String label) {
        List<String> out = new ArrayList<>();
        labels().forEach((task, l) -> {
            if (l.equals(label)) {
                out.add(task);
            }
        });
        return out;
    }
}

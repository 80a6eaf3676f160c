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
import org.apache.commons.math3.stat.inference.ChiSquareTest;

/**
 * Seed 001's task clustering. Per task id, each config's success rate; a task is
 * {@code trivial} when every config with at least {@code minSessions} sessions succeeds at
 * ≥ {@code trivialAt}, {@code challenging} when every such config is ≤ {@code challengingAt},
 * {@code discriminative} when the configs' success rates differ significantly (chi-square test of
 * homogeneity on the configs × {success, failure} table, Commons Math, p < {@code alpha}), and
 * {@code unclear} otherwise or when fewer than two configs have enough sessions.
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
        byTask.forEach((task, configs) -> out.put(task, label(configs)));
        return out;
    }

    String label(Map<String, long[]> configs) {
        List<long[]> enough = configs.values().stream().filter(c -> c[1] >= t.minSessions()).toList();
        if (enough.isEmpty()) {
            return "unclear";
        }
        if (enough.stream().allMatch(c -> (double) c[0] / c[1] >= t.trivialAt())) {
            return "trivial";
        }
        if (enough.stream().allMatch(c -> (double) c[0] / c[1] <= t.challengingAt())) {
            return "challenging";
        }
        if (enough.size() >= 2) {
            long[][] table = new long[enough.size()][2];
            long totalS = 0;
            long totalF = 0;
            for (int i = 0; i < enough.size(); i++) {
                table[i][0] = enough.get(i)[0];
                table[i][1] = enough.get(i)[1] - enough.get(i)[0];
                totalS += table[i][0];
                totalF += table[i][1];
            }
            if (totalS > 0 && totalF > 0 && new ChiSquareTest().chiSquareTest(table) < t.alpha()) {
                return "discriminative";
            }
        }
        return "unclear";
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.putObject("thresholds").put("trivial_at", t.trivialAt()).put("challenging_at", t.challengingAt())
                .put("min_sessions", t.minSessions()).put("alpha", t.alpha());
        ArrayNode arr = o.putArray("tasks");
        Map<String, Integer> counts = new TreeMap<>();
        byTask.forEach((task, configs) -> {
            String label = label(configs);
            counts.merge(label, 1, Integer::sum);
            ObjectNode n = arr.addObject();
            n.put("task", task).put("code", codes.get(task)).put("label", label);
            ObjectNode rates = n.putObject("success_by_config");
            configs.forEach((cfg, c) -> rates.putObject(cfg).put("successes", c[0]).put("sessions", c[1])
                    .put("rate", (double) c[0] / c[1]));
        });
        o.set("counts", Json.tree(counts));
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

package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Intervals;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Sessions grouped by {@link GroupKey}s, each group aggregated by {@link ArmStats}, with per-task
 * success tallies so two groups can be compared task by task. Feed records with {@link #accept}.
 */
public final class Aggregation implements Consumer<SessionRecord> {
    private final List<GroupKey> keys;
    private final Map<String, ArmStats> groups = new TreeMap<>();
    private final Map<String, Map<String, long[]>> perTask = new TreeMap<>();
    /** Hash indexes over the two sorted maps (same values): a record costs hash lookups, not tree walks. */
    private final Map<String, ArmStats> groupIndex = new HashMap<>();
    private final Map<String, Map<String, long[]>> taskIndex = new HashMap<>();
    private long sessions;

    public Aggregation(List<GroupKey> keys) {
        this.keys = List.copyOf(keys);
    }

    @Override
    public void accept(SessionRecord r) {
        sessions++;
        String key = GroupKey.keyOf(keys, r);
        ArmStats stats = groupIndex.get(key);
        if (stats == null) {
            stats = new ArmStats();
            groupIndex.put(key, stats);
            groups.put(key, stats);
        }
        stats.add(r);
        if (!r.outcome().isInfrastructure() && r.task() != null) {
            Map<String, long[]> tasks = taskIndex.get(key);
            if (tasks == null) {
                tasks = new HashMap<>();
                taskIndex.put(key, tasks);
                perTask.put(key, new TreeMap<>());
            }
            long[] t = tasks.get(r.task().id());
            if (t == null) {
                t = new long[2];
                tasks.put(r.task().id(), t);
                perTask.get(key).put(r.task().id(), t);
            }
            t[0] += r.success() ? 1 : 0;
            t[1]++;
        }
    }

    public List<GroupKey> keys() {
        return keys;
    }

    public long sessions() {
        return sessions;
    }

    public Map<String, ArmStats> groups() {
        return groups;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        ArrayNode k = o.putArray("group_by");
        keys.forEach(x -> k.add(x.label()));
        o.put("sessions", sessions);
        ArrayNode arr = o.putArray("groups");
        groups.forEach((name, stats) -> {
            ObjectNode g = arr.addObject();
            g.put("group", name);
            String[] parts = keys.size() == 1 ? new String[] {name} : name.split(" \\| ", -1);
            for (int i = 0; i < keys.size() && i < parts.length; i++) {
                g.put(keys.get(i).label(), parts[i]);
            }
            g.setAll(stats.toJson());
        });
        return o;
    }

    /**
     * Group {@code a} against group {@code b}: success difference (b − a) with Newcombe's
     * interval, and the tasks that flipped between them (by per-task success rate, on tasks both
     * ran).
     */
    public ObjectNode compare(String a, String b) {
        ArmStats sa = groups.get(a);
        ArmStats sb = groups.get(b);
        if (sa == null || sb == null) {
            throw dev.metaorch.common.MetaorchException.invalidInput("--compare: no group '" + (sa == null ? a : b)
                    + "' (groups: " + String.join(", ", groups.keySet()) + ")");
        }
        ObjectNode o = Json.object();
        o.put("a", a).put("b", b).put("success_rate_a", sa.successRate()).put("success_rate_b", sb.successRate())
                .put("difference", sb.successRate() - sa.successRate());
        double[] ci = Intervals.newcombe(sb.successes(), sb.sessions(), sa.successes(), sa.sessions(), 0.95);
        o.putArray("ci").add(ci[0]).add(ci[1]);
        o.put("cost_per_session_a", sa.costPerSession()).put("cost_per_session_b", sb.costPerSession());
        List<String> toPass = new ArrayList<>();
        List<String> toFail = new ArrayList<>();
        Map<String, long[]> ta = perTask.getOrDefault(a, Map.of());
        Map<String, long[]> tb = perTask.getOrDefault(b, Map.of());
        int shared = 0;
        for (Map.Entry<String, long[]> e : new LinkedHashMap<>(ta).entrySet()) {
            long[] y = tb.get(e.getKey());
            if (y == null) {
                continue;
            }
            shared++;
            boolean passA = 2 * e.getValue()[0] > e.getValue()[1];
            boolean passB = 2 * y[0] > y[1];
            if (!passA && passB) {
                toPass.add(e.getKey());
            } else if (passA && !passB) {
                toFail.add(e.getKey());
            }
        }
        o.put("shared_tasks", shared);
        o.set("flipped_to_pass", Json.tree(toPass));
        o.set("flipped_to_fail", Json.tree(toFail));
        return o;
    }
}

package dev.metaorch.runner;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The hub's ranking (seed 000's composite score) and the comparison of its top two variants.
 * <p>Score: each session gets a utility in [0, 1] per metric on a <em>fixed</em> scale —
 * success 1/0, autonomy 1 unless escalated, cost {@code C / (C + cost)} and latency
 * {@code L / (L + latency)} with reference scales C and L from the hub file (a session at the
 * reference cost scores 0.5) — and a variant's score is the mean over its sessions of
 * {@code Σ weight × utility}. Nothing depends on the other variants, so removing a variant never
 * changes the order of the others (the min–max normalisation this replaces did). See ADR-131.
 * <p>Top two: the difference of the ranked quantity, paired — session k of every variant runs the
 * same task — with a standard error clustered by task (pairs on the same task are not
 * independent) and a t interval on (tasks − 1) df. Under a bandit allocation the sessions a
 * variant receives depend on its earlier outcomes, so the interval is reported as not valid.
 */
public final class HubRanking {
    /** Reference scales of the cost and latency utilities: a session at the scale scores 0.5. */
    public record Scales(double costUsd, double latencyS) {
        public static final Scales DEFAULT = new Scales(0.01, 30.0);
    }

    static final String[] METRICS = {"success", "cost", "latency", "autonomy"};

    private HubRanking() {
    }

    /** Per-metric utilities of one session, in {@link #METRICS} order. */
    static double[] utilities(SessionRecord r, Scales scales) {
        return new double[] {r.success() ? 1 : 0, scales.costUsd() / (scales.costUsd() + Math.max(0, r.costUsd())),
            scales.latencyS() / (scales.latencyS() + Math.max(0, r.latencyMs()) / 1000.0),
            r.outcome() == Outcome.ESCALATED ? 0 : 1};
    }

    /** The composite utility of one session. */
    static double score(SessionRecord r, Map<String, Double> weights, Scales scales) {
        double[] u = utilities(r, scales);
        double s = 0;
        for (int m = 0; m < METRICS.length; m++) {
            s += weights.getOrDefault(METRICS[m], 0.0) * u[m];
        }
        return s;
    }

    /** A variant's score and mean utilities over its sessions (infrastructure outcomes left out, as in ArmStats). */
    record VariantScore(double score, double[] utilities, long sessions) {
    }

    static VariantScore variantScore(List<SessionRecord> sessions, Map<String, Double> weights, Scales scales) {
        double[] u = new double[METRICS.length];
        double s = 0;
        long n = 0;
        for (SessionRecord r : sessions) {
            if (r.outcome().isInfrastructure()) {
                continue;
            }
            n++;
            double[] x = utilities(r, scales);
            for (int m = 0; m < u.length; m++) {
                u[m] += x[m];
            }
            s += score(r, weights, scales);
        }
        for (int m = 0; m < u.length; m++) {
            u[m] = n == 0 ? 0 : u[m] / n;
        }
        return new VariantScore(n == 0 ? 0 : s / n, u, n);
    }

    /** Variant names in rank order: score descending, then name. */
    static List<String> rank(Map<String, List<SessionRecord>> byVariant, Map<String, Double> weights, Scales scales) {
        Map<String, Double> scores = new HashMap<>();
        byVariant.forEach((v, s) -> scores.put(v, variantScore(s, weights, scales).score()));
        List<String> order = new ArrayList<>(byVariant.keySet());
        order.sort((a, b) -> scores.get(a).equals(scores.get(b)) ? a.compareTo(b) : Double.compare(scores.get(b), scores.get(a)));
        return order;
    }

    /** A mean difference with a task-clustered standard error and its t interval. */
    record PairedDifference(double difference, double se, double[] ci, int pairs, int tasks) {
    }

    /**
     * Mean of {@code d} over pairs with a CR1 standard error clustered by task:
     * {@code Var = G/(G−1) · Σ_t (D_t − n_t d̄)² / N²} (D_t the sum of d over task t's pairs);
     * with one pair per task it is the paired t interval. 95% t interval on G − 1 df.
     */
    static PairedDifference clusteredMean(List<String> tasks, double[] d) {
        int n = d.length;
        double mean = 0;
        for (double x : d) {
            mean += x / n;
        }
        Map<String, double[]> byTask = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            double[] c = byTask.computeIfAbsent(tasks.get(i), x -> new double[2]);
            c[0] += d[i];
            c[1]++;
        }
        int g = byTask.size();
        if (g < 2) {
            return new PairedDifference(mean, Double.NaN, null, n, g);
        }
        double ss = 0;
        for (double[] c : byTask.values()) {
            double e = c[0] - c[1] * mean;
            ss += e * e;
        }
        double se = Math.sqrt((double) g / (g - 1) * ss) / n;
        double t = new TDistribution(null, g - 1, 1e-14).inverseCumulativeProbability(0.975);
        return new PairedDifference(mean, se, new double[] {mean - t * se, mean + t * se}, n, g);
    }

    /** The paired difference of the composite score between two variants' sessions (matched on {@code pair}). */
    static PairedDifference topTwo(List<SessionRecord> first, List<SessionRecord> second, Map<String, Double> weights,
            Scales scales) {
        Map<Long, SessionRecord> other = new HashMap<>();
        second.stream().filter(r -> !r.outcome().isInfrastructure()).forEach(r -> other.put(r.pair(), r));
        List<String> tasks = new ArrayList<>();
        List<Double> d = new ArrayList<>();
        first.stream().filter(r -> !r.outcome().isInfrastructure()).sorted(java.util.Comparator.comparingLong(SessionRecord::pair))
                .forEach(r -> {
                    SessionRecord o = other.get(r.pair());
                    if (o != null && r.task() != null && o.task() != null && r.task().id().equals(o.task().id())) {
                        tasks.add(r.task().id());
                        d.add(score(r, weights, scales) - score(o, weights, scales));
                    }
                });
        return clusteredMean(tasks, d.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The hub's result: variants with their scores, ranking, top-two comparison and allocation report. */
    public static ObjectNode result(HubSpec spec, String runId, long seed, Instant started, List<ArmSetup> arms,
            ArmStats[] stats, List<List<SessionRecord>> records, long[] launched, String policy, long total) {
        int k = arms.size();
        Map<String, Double> weights = spec.weights();
        Scales scales = spec.scales();
        Map<String, List<SessionRecord>> byVariant = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            byVariant.put(arms.get(i).arm(), records.get(i));
        }
        List<String> order = rank(byVariant, weights, scales);
        ObjectNode o = Json.object();
        o.put("run_id", runId).put("kind", "hub").put("seed", seed).put("started_at", started.toString())
                .put("ended_at", Instant.now().toString()).put("allocation", policy).put("sessions", total);
        o.set("weights", Json.tree(weights));
        o.putObject("reference_scales").put("cost_usd", scales.costUsd()).put("latency_s", scales.latencyS());
        o.put("score_formula", "score = mean over sessions of sum(weight * utility); utility: success 1/0, autonomy 1 "
                + "unless escalated, cost C/(C + cost), latency L/(L + latency), C and L fixed reference scales "
                + "(independent of which variants are present)");
        ObjectNode vs = o.putObject("variants");
        for (int i = 0; i < k; i++) {
            ObjectNode v = stats[i].toJson();
            ArmSetup a = arms.get(i);
            VariantScore s = variantScore(records.get(i), weights, scales);
            v.put("experiment_id", a.arm()).put("variant", a.config().variant()).put("model_id", a.config().modelId())
                    .put("config_hash", a.config().configHash()).put("score", s.score())
                    .put("share", (double) launched[i] / total);
            ObjectNode n = v.putObject("utilities");
            for (int m = 0; m < METRICS.length; m++) {
                n.put(METRICS[m], s.utilities()[m]);
            }
            vs.set(a.arm(), v);
        }
        ArrayNode ranking = o.putArray("ranking");
        order.forEach(ranking::add);
        if (k >= 2) {
            int a = byVariant.keySet().stream().toList().indexOf(order.get(0));
            int b = byVariant.keySet().stream().toList().indexOf(order.get(1));
            PairedDifference p = topTwo(records.get(a), records.get(b), weights, scales);
            boolean valid = "uniform".equals(policy);
            ObjectNode top = o.putObject("top_two");
            top.put("first", order.get(0)).put("second", order.get(1)).put("score_difference", p.difference())
                    .put("success_difference", stats[a].successRate() - stats[b].successRate())
                    .put("pairs", p.pairs()).put("tasks", p.tasks()).put("valid", valid && p.ci() != null);
            if (p.ci() == null) {
                top.putNull("ci").putNull("significant");
            } else {
                top.putArray("ci").add(p.ci()[0]).add(p.ci()[1]);
                top.put("significant", valid ? (Boolean) (p.ci()[0] > 0 || p.ci()[1] < 0) : null);
            }
            top.put("test", valid ? "paired by task: 95% t interval of the composite-score difference, SE clustered by task"
                    : "not valid under " + policy + " allocation: the sessions each variant got depend on its earlier "
                    + "outcomes, so the interval is shown for information only");
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            shares.put(arms.get(i).arm(), (double) launched[i] / total);
        }
        o.set("shares", Json.tree(shares));
        o.set("allocation_report", allocationReport(policy, arms, stats, launched, total));
        return o;
    }

    /**
     * Regret against always running the best variant (by this run's success rates) and the
     * uniform-allocation counterfactual: the same sessions split evenly, at each variant's
     * observed success rate and cost per session. (Moved unchanged from Hub.)
     */
    private static ObjectNode allocationReport(String policy, List<ArmSetup> arms, ArmStats[] stats, long[] launched,
            long total) {
        int k = arms.size();
        double best = 0;
        for (ArmStats s : stats) {
            best = Math.max(best, s.successRate());
        }
        double regret = 0;
        double uniformRegret = 0;
        double cost = 0;
        double uniformCost = 0;
        double successes = 0;
        double uniformSuccesses = 0;
        for (int i = 0; i < k; i++) {
            double share = (double) total / k;
            regret += launched[i] * (best - stats[i].successRate());
            uniformRegret += share * (best - stats[i].successRate());
            cost += stats[i].costUsd();
            uniformCost += share * stats[i].costPerSession();
            successes += stats[i].successes();
            uniformSuccesses += share * stats[i].successRate();
        }
        ObjectNode r = Json.object();
        r.put("policy", policy).put("regret_vs_best", regret).put("uniform_regret_vs_best", uniformRegret)
                .put("successes", successes).put("uniform_expected_successes", uniformSuccesses)
                .put("cost_usd", cost).put("uniform_cost_usd", uniformCost)
                .put("note", "regret = sessions x (best observed success rate - the variant's); uniform = the same "
                        + "sessions split evenly at the observed rates and costs");
        return r;
    }
}

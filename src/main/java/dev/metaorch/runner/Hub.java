package dev.metaorch.runner;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Intervals;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The experiment hub (seed 000): runs every variant config on the task suite, scores each on
 * success, cost, latency and autonomy, and ranks them. Session k of every variant runs the
 * same task (one seeded plan), so variants are compared on equal footing.
 * <p>Composite score: each metric is min-max normalised across the variants (1 = best: highest
 * success and autonomy, lowest mean cost and latency; all 1 when the variants tie), then
 * {@code score = Σ weight × normalised metric}.
 */
public final class Hub {
    /** Progress of a hub run. */
    public record Progress(long done, long total, long successes, double spendUsd) {
    }

    public record Options(HubSpec spec, List<Path> variants, Integer sessions, Long seed, int concurrency,
            String runId, Path resultsDir, Path pluginDir, Path prices, String allocation, Double maxCostUsd,
            boolean force) {
    }

    private final Options options;
    private final AllocatorFactory allocators;
    /** The run folder this hub run holds (locked) from its creation until run() returns. */
    private OpenRun open;

    /** Makes the allocator for a policy name, given the number of arms and total sessions. */
    public interface AllocatorFactory {
        Allocator create(String policy, int arms, long totalSessions, long seed);
    }

    public Hub(Options options, AllocatorFactory allocators) {
        this.options = options;
        this.allocators = allocators;
    }

    /** Runs the hub; the run folder stays locked until the result files are written. */
    public ObjectNode run(Consumer<Progress> progress, Consumer<String> messages) throws IOException {
        try {
            return runOpened(progress, messages);
        } finally {
            OpenRun held = open;
            if (held != null) {
                held.close();
            }
        }
    }

    private ObjectNode runOpened(Consumer<Progress> progress, Consumer<String> messages) throws IOException {
        Instant started = Instant.now();
        ConfigLoader loader = new ConfigLoader();
        List<ResolvedConfig> configs = new ArrayList<>();
        for (Path p : options.variants()) {
            ResolvedConfig c = loader.load(p);
            c.warnings().forEach(w -> messages.accept("warning: " + w));
            if (configs.stream().anyMatch(x -> x.experimentId().equals(c.experimentId()))) {
                throw MetaorchException.invalidInput(p + ": /experiment_id: '" + c.experimentId()
                        + "' is used by two hub variants; each needs its own id");
            }
            configs.add(c);
        }
        int k = configs.size();
        long seed = options.seed() != null ? options.seed() : options.spec().seed();
        long total = options.sessions() != null ? options.sessions() : (long) options.spec().sessionsPerVariant() * k;
        if (total < k) {
            throw MetaorchException.invalidInput("--sessions: must be at least the number of variants (" + k + "), got " + total);
        }
        String runId = options.runId() != null ? options.runId() : RunFolder.newRunId("hub");
        RunFolder folder = new RunFolder(options.resultsDir(), runId);
        RunOpener opener = new RunOpener(options.resultsDir());
        opener.requireFresh(runId);
        VariantRegistry registry = VariantRegistry.load(options.pluginDir());
        ArmFactory factory = new ArmFactory(registry, options.prices());
        List<ArmSetup> arms = new ArrayList<>();
        List<TaskPlan> plans = new ArrayList<>();
        for (ResolvedConfig c : configs) {
            TaskSuite suite = TaskSuite.load(c.tasksPath());
            arms.add(factory.create(c.experimentId(), c, suite, folder.logs()));
            plans.add(new TaskPlan(suite.restrictedTo(c.taskCodes()), Hashing.deriveSeed(seed, "hub")));
        }
        String policy = options.allocation() == null ? "uniform" : options.allocation();
        Allocator allocator = allocators.create(policy, k, total, seed);
        double budget = options.maxCostUsd() != null ? options.maxCostUsd() : options.spec().maxCostUsd();
        budgetGate(arms, total, budget, messages);
        Map<String, ResolvedConfig> byArm = new LinkedHashMap<>();
        configs.forEach(c -> byArm.put(c.experimentId(), c));
        ObjectNode fields = Json.object();
        fields.put("created_at", started.toString()).put("seed", seed).put("sessions", total).put("allocation", policy)
                .put("concurrency", options.concurrency()).put("max_cost_usd", budget);
        fields.set("variant_files", Json.tree(options.variants().stream().map(String::valueOf).toList()));
        // created atomically and locked for the whole run; snapshot and hashes written before any session
        open = opener.create(new RunOpener.NewRun(runId, "hub", byArm, options.prices(), registry, fields),
                messages);
        int concurrency = options.concurrency();
        long[] finished = new long[k];
        long[] successes = new long[k];
        long[] pending = new long[k];
        long[] launched = new long[k];
        ArmStats[] stats = new ArmStats[k];
        List<List<SessionRecord>> records = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            stats[i] = new ArmStats();
            records.add(new ArrayList<>());
        }
        Map<String, Integer> armIndex = new HashMap<>();
        for (int i = 0; i < k; i++) {
            armIndex.put(arms.get(i).arm(), i);
        }
        LinkedBlockingQueue<Object> done = new LinkedBlockingQueue<>();
        double spend = 0;
        long doneCount = 0;
        long allSuccesses = 0;
        var runOptions = configs.get(0).run();
        try (JsonlSessionStore store = JsonlSessionStore.open(folder.sessions());
                SessionRunner runner = new SessionRunner(store, runId, seed, new RunnerOptions(concurrency,
                        runOptions.timeoutS(), runOptions.retries(), 200, runOptions.maxSteps(), runOptions.maxCostUsd(),
                        folder.logs()), r -> { })) {
            long launchedTotal = 0;
            int outstanding = 0;
            while (true) {
                while (outstanding < concurrency && launchedTotal < total && spend < budget) {
                    int arm = allocator.next(finished, successes, pending, launched);
                    if (arm < 0) {
                        break;
                    }
                    SessionJob job = new SessionJob(arms.get(arm), launched[arm], 0, plans.get(arm).task(launched[arm]));
                    launched[arm]++;
                    pending[arm]++;
                    launchedTotal++;
                    outstanding++;
                    CompletableFuture<SessionRecord> f = runner.submit(job);
                    f.whenComplete((rec, err) -> done.add(rec != null ? rec : err != null ? err
                            : new IllegalStateException("session stopped")));
                }
                if (outstanding == 0) {
                    break;
                }
                Object o;
                try {
                    o = done.poll(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw MetaorchException.runtime("hub run interrupted");
                }
                if (o == null) {
                    continue;
                }
                outstanding--;
                if (o instanceof Throwable t) {
                    Throwable cause = t.getCause() != null ? t.getCause() : t;
                    throw cause instanceof MetaorchException me ? me : MetaorchException.runtime(cause.getMessage(), cause);
                }
                SessionRecord rec = (SessionRecord) o;
                int i = armIndex.get(rec.arm());
                pending[i]--;
                finished[i]++;
                successes[i] += rec.success() ? 1 : 0;
                records.get(i).add(rec);
                spend += rec.costUsd();
                doneCount++;
                allSuccesses += rec.success() ? 1 : 0;
                progress.accept(new Progress(doneCount, total, allSuccesses, spend));
            }
        } finally {
            arms.forEach(a -> a.variant().close());
        }
        // aggregate in session order, not completion order, so sums are identical at any concurrency
        for (int i = 0; i < k; i++) {
            records.get(i).sort(java.util.Comparator.comparingLong(SessionRecord::pair));
            records.get(i).forEach(stats[i]::add);
        }
        long ran = java.util.Arrays.stream(launched).sum();
        if (ran < total) {
            messages.accept("budget: stopped after " + ran + " of " + total + " sessions, spend $"
                    + String.format("%.4f", spend) + " reached the cap $" + budget);
        }
        ObjectNode result = score(runId, seed, started, arms, stats, launched, policy, Math.max(1, ran));
        result.put("max_cost_usd", budget).put("cost_usd", spend).put("stopped_by_budget", ran < total);
        AtomicFiles.writeJson(folder.result(), result);
        AtomicFiles.writeJson(options.resultsDir().resolve("latest_run.json"), result);
        return result;
    }

    /**
     * Projects the spend (sessions split evenly, each variant's cost per session from earlier
     * sessions of its config or its own estimate) and refuses when it exceeds the budget.
     */
    private void budgetGate(List<ArmSetup> arms, long total, double budget, Consumer<String> messages) {
        double perSession = 0;
        int known = 0;
        for (ArmSetup a : arms) {
            var c = CostProjection.perSession(a, options.resultsDir());
            if (c.isPresent()) {
                perSession += c.get().usd();
                known++;
            }
        }
        if (known == 0) {
            messages.accept("warning: no cost estimate for the variants: budget gate skipped");
            return;
        }
        double projected = perSession / known * total;
        String figures = String.format("projected spend $%.4f for %d sessions ($%.5f per session on average), budget $%.2f",
                projected, total, perSession / known, budget);
        if (projected > budget && !options.force()) {
            throw MetaorchException.invalidInput("budget: " + figures + " — raise --max-cost (or max_cost_usd in the "
                    + "hub file), run fewer --sessions, or pass --force");
        }
        messages.accept((projected > budget ? "warning: " : "") + figures);
    }

    private ObjectNode score(String runId, long seed, Instant started, List<ArmSetup> arms, ArmStats[] stats,
            long[] launched, String policy, long total) {
        int k = arms.size();
        double[][] metric = new double[4][k];
        for (int i = 0; i < k; i++) {
            metric[0][i] = stats[i].successRate();
            metric[1][i] = -stats[i].costPerSession();
            metric[2][i] = -stats[i].latencyMean();
            metric[3][i] = stats[i].autonomyRate();
        }
        String[] names = {"success", "cost", "latency", "autonomy"};
        Map<String, Double> weights = options.spec().weights();
        double[] score = new double[k];
        double[][] norm = new double[4][k];
        for (int m = 0; m < 4; m++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double v : metric[m]) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            for (int i = 0; i < k; i++) {
                norm[m][i] = max == min ? 1.0 : (metric[m][i] - min) / (max - min);
                score[i] += weights.get(names[m]) * norm[m][i];
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            order.add(i);
        }
        order.sort((a, b) -> score[b] != score[a] ? Double.compare(score[b], score[a])
                : arms.get(a).arm().compareTo(arms.get(b).arm()));
        ObjectNode o = Json.object();
        o.put("run_id", runId).put("kind", "hub").put("seed", seed).put("started_at", started.toString())
                .put("ended_at", Instant.now().toString()).put("allocation", policy).put("sessions", total);
        o.set("weights", Json.tree(weights));
        o.put("score_formula", "score = sum(weight * minmax-normalised metric); success and autonomy higher is better, "
                + "mean cost and latency lower is better");
        ObjectNode vs = o.putObject("variants");
        for (int i = 0; i < k; i++) {
            ObjectNode v = stats[i].toJson();
            ArmSetup a = arms.get(i);
            v.put("experiment_id", a.arm()).put("variant", a.config().variant()).put("model_id", a.config().modelId())
                    .put("config_hash", a.config().configHash()).put("score", score[i])
                    .put("share", (double) launched[i] / total);
            ObjectNode n = v.putObject("normalised");
            for (int m = 0; m < 4; m++) {
                n.put(names[m], norm[m][i]);
            }
            vs.set(a.arm(), v);
        }
        ArrayNode ranking = o.putArray("ranking");
        order.forEach(i -> ranking.add(arms.get(i).arm()));
        if (k >= 2) {
            ArmStats first = stats[order.get(0)];
            ArmStats second = stats[order.get(1)];
            double[] ci = Intervals.newcombe(first.successes(), first.sessions(), second.successes(), second.sessions(), 0.95);
            ObjectNode top = o.putObject("top_two");
            top.put("first", arms.get(order.get(0)).arm()).put("second", arms.get(order.get(1)).arm())
                    .put("success_difference", first.successRate() - second.successRate());
            top.putArray("ci").add(ci[0]).add(ci[1]);
            top.put("significant", ci[0] > 0 || ci[1] < 0);
            top.put("test", "Newcombe 95% interval of the success-rate difference excludes 0");
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
     * observed success rate and cost per session.
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

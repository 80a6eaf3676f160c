package dev.metaorch.runner;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.Money;
import dev.metaorch.common.SafeIds;
import dev.metaorch.session.RunLedger;
import java.nio.file.Files;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.HashDictionary;
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
import java.util.TreeMap;
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

    /** What the hub was asked to do; {@code resume} continues the run with that id from its own snapshot. */
    public record Options(HubSpec spec, List<Path> variants, Integer sessions, Long seed, int concurrency,
            String runId, Path resultsDir, Path pluginDir, Path prices, String allocation, Double maxCostUsd,
            boolean force, String resume) {
    }

    /** Settings of a hub run, kept in run.json so that a resume continues with exactly these. */
    record Settings(List<String> variants, long seed, long total, String policy, double budgetUsd, int concurrency,
            Map<String, Double> weights) {
    }

    private final Options options;
    private final AllocatorFactory allocators;

    /** Makes the allocator for a policy name, given the number of arms and total sessions. */
    public interface AllocatorFactory {
        Allocator create(String policy, int arms, long totalSessions, long seed);
    }

    public Hub(Options options, AllocatorFactory allocators) {
        this.options = options;
        this.allocators = allocators;
    }

    private volatile LaunchLoop launchLoop;
    private volatile boolean interrupted;

    /** Stops launching and cancels the sessions in flight (SIGTERM); they are logged as cancelled. */
    public void interrupt() {
        interrupted = true;
        LaunchLoop loop = launchLoop;
        if (loop != null) {
            loop.interrupt();
        }
    }

    public ObjectNode run(Consumer<Progress> progress, Consumer<String> messages) throws IOException {
        Instant started = Instant.now();
        ConfigLoader loader = new ConfigLoader();
        List<ResolvedConfig> configs = new ArrayList<>();
        boolean resuming = options.resume() != null;
        RunFolder folder;
        Settings settings;
        if (resuming) {
            folder = new RunFolder(options.resultsDir(), SafeIds.require("--resume", options.resume()));
            if (!Files.isRegularFile(folder.manifest())) {
                throw MetaorchException.invalidInput("--resume " + options.resume() + ": no hub run with that id in "
                        + options.resultsDir().resolve("runs"));
            }
            if (Files.isRegularFile(folder.result())) {
                messages.accept("run " + folder.runId() + " already finished");
                return (ObjectNode) Json.mapper().readTree(folder.result().toFile());
            }
            settings = Json.mapper().treeToValue(Json.mapper().readTree(folder.manifest().toFile()).get("settings"),
                    Settings.class);
            for (String id : settings.variants()) {
                configs.add(loader.loadSnapshot(folder.config(id)));
            }
        } else {
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
                throw MetaorchException.invalidInput("--sessions: must be at least the number of variants (" + k
                        + "), got " + total);
            }
            String runId = options.runId() != null ? SafeIds.require("--run-id", options.runId()) : RunFolder.newRunId("hub");
            folder = new RunFolder(options.resultsDir(), runId);
            if (folder.exists()) {
                throw MetaorchException.invalidInput("--run-id " + runId + ": a run with that id exists; use --resume "
                        + runId);
            }
            double budget = options.maxCostUsd() != null ? options.maxCostUsd() : options.spec().maxCostUsd();
            settings = new Settings(configs.stream().map(ResolvedConfig::experimentId).toList(), seed, total,
                    options.allocation() == null ? "uniform" : options.allocation(), budget, options.concurrency(),
                    options.spec().weights());
        }
        int k = configs.size();
        VariantRegistry registry = VariantRegistry.load(options.pluginDir());
        ArmFactory factory = new ArmFactory(registry, options.prices());
        List<ArmSetup> arms = new ArrayList<>();
        List<TaskPlan> plans = new ArrayList<>();
        for (ResolvedConfig c : configs) {
            TaskSuite suite = TaskSuite.load(c.tasksPath());
            arms.add(factory.create(c.experimentId(), c, suite, folder.logs()));
            plans.add(new TaskPlan(suite.restrictedTo(c.taskCodes()), Hashing.deriveSeed(settings.seed(), "hub")));
        }
        Allocator allocator = allocators.create(settings.policy(), k, settings.total(), settings.seed());
        if (!resuming) {
            budgetGate(arms, settings.total(), settings.budgetUsd(), messages);
            folder.create();
            Map<String, String> hashes = new TreeMap<>();
            for (ResolvedConfig c : configs) {
                folder.writeConfig(c.experimentId(), c);
                for (int i = 0; i < c.guidelines().size(); i++) {
                    hashes.put(c.guidelineHashes().get(i), c.guidelines().get(i));
                }
            }
            new HashDictionary(options.resultsDir()).addAll(hashes);
            ObjectNode manifest = Json.object();
            manifest.put("run_id", folder.runId()).put("kind", "hub").put("created_at", started.toString());
            manifest.set("settings", Json.tree(settings));
            AtomicFiles.writeJson(folder.manifest(), manifest);
        }
        var runOptions = configs.get(0).run();
        try (JsonlSessionStore store = JsonlSessionStore.open(folder.sessions())) {
            store.warnings().forEach(w -> messages.accept("warning: " + w));
            HubPlan plan = new HubPlan(arms, plans, allocator, settings, runOptions.retries(), progress);
            long spentBefore = plan.replay(store, folder.runId());
            BudgetGate gate = CostProjection.gate(arms, options.resultsDir(), Money.nanos(settings.budgetUsd()), spentBefore);
            plan.spent = gate::spentNanos;
            SessionRunner runner = new SessionRunner(store, folder.runId(), settings.seed(), new RunnerOptions(
                    settings.concurrency(), runOptions.timeoutS(), runOptions.retries(), 200, runOptions.maxSteps(),
                    runOptions.maxCostUsd(), folder.logs()), r -> { }, gate);
            LaunchLoop loop = new LaunchLoop(runner, gate);
            launchLoop = loop;
            if (interrupted) {
                loop.interrupt();
            }
            LaunchLoop.End end;
            try {
                end = loop.run(plan);
            } finally {
                runner.close();
                launchLoop = null;
            }
            RunLedger ledger = new RunLedger();
            store.forEach(ledger::add, p -> { });
            RunLedger.Figures figures = ledger.figures(null);
            if (end == LaunchLoop.End.INTERRUPTED) {
                ObjectNode o = Json.object();
                o.put("run_id", folder.runId()).put("kind", "hub").put("status", "interrupted");
                o.set("ledger", Json.tree(figures));
                return o;
            }
            ArmStats[] stats = new ArmStats[k];
            for (int i = 0; i < k; i++) {
                stats[i] = new ArmStats();
                List<SessionRecord> finals = plan.finals(i);
                finals.sort(java.util.Comparator.comparingLong(SessionRecord::pair));
                finals.forEach(stats[i]::add);
            }
            long ran = plan.sessionsFinished();
            boolean byBudget = end == LaunchLoop.End.BUDGET;
            if (byBudget) {
                messages.accept("budget: stopped after " + ran + " of " + settings.total() + " sessions: spend "
                        + Money.format(figures.spendNanoUsd()) + " plus the next session's reservation would pass the cap "
                        + Money.formatCap(settings.budgetUsd()) + " (" + gate.lastRefusal() + ")");
            }
            ObjectNode result = score(folder.runId(), settings, started, arms, stats, plan.launchedPerArm(),
                    Math.max(1, plan.launchedTotal()));
            result.put("max_cost_usd", settings.budgetUsd()).put("cost_usd", figures.spendUsd())
                    .put("spend_nano_usd", figures.spendNanoUsd()).put("stopped_by_budget", byBudget);
            result.set("ledger", Json.tree(figures));
            AtomicFiles.writeJson(folder.result(), result);
            AtomicFiles.writeJson(options.resultsDir().resolve("latest_run.json"), result);
            return result;
        } finally {
            arms.forEach(a -> a.variant().close());
        }
    }

    /** What the hub launches: the allocator's choice of arm, session after session, up to the total. */
    private static final class HubPlan implements LaunchLoop.Plan {
        private final List<ArmSetup> arms;
        private final List<TaskPlan> plans;
        private final Allocator allocator;
        private final Settings settings;
        private final int retries;
        private final Consumer<Progress> progress;
        private final long[] finished;
        private final long[] successes;
        private final long[] pending;
        private final long[] launched;
        private final List<List<SessionRecord>> finals = new ArrayList<>();
        private final java.util.ArrayDeque<SessionJob> relaunch = new java.util.ArrayDeque<>();
        private final Map<String, Integer> firstAttempts = new HashMap<>();
        private final Map<String, Integer> armIndex = new HashMap<>();
        private SessionJob nextJob;
        private boolean nextIsRelaunch;
        private long launchedTotal;
        private long done;
        private long allSuccesses;
        private java.util.function.LongSupplier spent = () -> 0;
        private String runId;

        HubPlan(List<ArmSetup> arms, List<TaskPlan> plans, Allocator allocator, Settings settings, int retries,
                Consumer<Progress> progress) {
            this.arms = arms;
            this.plans = plans;
            this.allocator = allocator;
            this.settings = settings;
            this.retries = retries;
            this.progress = progress;
            int k = arms.size();
            finished = new long[k];
            successes = new long[k];
            pending = new long[k];
            launched = new long[k];
            for (int i = 0; i < k; i++) {
                finals.add(new ArrayList<>());
                armIndex.put(arms.get(i).arm(), i);
            }
        }

        private boolean isFinal(SessionRecord r) {
            return r.outcome() != dev.metaorch.session.Outcome.CANCELLED
                    && (!r.outcome().isInfrastructure() || r.attempt() > retries);
        }

        /** Takes the log's records (a resume): final sessions count, the others are launched again. Returns the spend. */
        long replay(JsonlSessionStore store, String runId) throws IOException {
            this.runId = runId;
            Map<String, SessionRecord> last = new HashMap<>();
            long[] spend = new long[1];
            store.forEach(r -> {
                last.merge(r.sessionId(), r, (a, b) -> b.attempt() >= a.attempt() ? b : a);
                spend[0] = Math.addExact(spend[0], r.costNanos());
            }, p -> { });
            for (SessionRecord r : last.values()) {
                Integer i = armIndex.get(r.arm());
                if (i != null) {
                    launched[i] = Math.max(launched[i], r.pair() + 1);
                }
            }
            for (int i = 0; i < arms.size(); i++) {
                for (long idx = 0; idx < launched[i]; idx++) {
                    SessionJob job = new SessionJob(arms.get(i), idx, 0, plans.get(i).task(idx));
                    SessionRecord r = last.get(job.sessionId(runId));
                    if (r != null && isFinal(r)) {
                        count(i, r);
                    } else {
                        relaunch.add(job);
                        firstAttempts.put(job.sessionId(runId), r == null ? 1 : r.attempt() + 1);
                    }
                }
                launchedTotal += launched[i];
            }
            return spend[0];
        }

        private void count(int i, SessionRecord r) {
            finished[i]++;
            successes[i] += r.success() ? 1 : 0;
            finals.get(i).add(r);
            done++;
            allSuccesses += r.success() ? 1 : 0;
        }

        @Override
        public SessionJob next(int inFlight) {
            if (inFlight >= settings.concurrency()) {
                return null;
            }
            if (nextJob == null && !relaunch.isEmpty()) {
                nextJob = relaunch.peek();
                nextIsRelaunch = true;
            }
            if (nextJob == null && launchedTotal < settings.total()) {
                int arm = allocator.next(finished, successes, pending, launched);
                if (arm >= 0) {
                    nextJob = new SessionJob(arms.get(arm), launched[arm], 0, plans.get(arm).task(launched[arm]));
                    nextIsRelaunch = false;
                }
            }
            return nextJob;
        }

        @Override
        public void launched(SessionJob job) {
            int i = armIndex.get(job.arm().arm());
            pending[i]++;
            if (nextIsRelaunch) {
                relaunch.poll();
            } else {
                launched[i]++;
                launchedTotal++;
            }
            nextJob = null;
        }

        @Override
        public int firstAttempt(SessionJob job) {
            return firstAttempts.getOrDefault(job.sessionId(runId), 1);
        }

        @Override
        public void completed(SessionJob job, SessionRecord last) {
            int i = armIndex.get(job.arm().arm());
            pending[i]--;
            if (last != null && isFinal(last)) {
                count(i, last);
            }
            progress.accept(new Progress(done, settings.total(), allSuccesses, Money.usd(spent.getAsLong())));
        }

        @Override
        public boolean stopped() {
            return false;
        }

        @Override
        public void tick(SessionRunner runner) {
        }

        List<SessionRecord> finals(int i) {
            return finals.get(i);
        }

        long[] launchedPerArm() {
            return launched.clone();
        }

        long launchedTotal() {
            return launchedTotal;
        }

        long sessionsFinished() {
            return done;
        }
    }

    /**
     * Projects the spend (sessions split evenly, each variant's cost per session from earlier
     * sessions of its config or its own estimate) and refuses when it exceeds the budget.
     */
    private void budgetGate(List<ArmSetup> arms, long total, double budget, Consumer<String> messages) {
        double perSession = 0;
        int known = 0;
        for (ArmSetup a : arms) {
            var c = CostProjection.of(a, options.resultsDir());
            if (c.isPresent()) {
                perSession += c.get().perSessionUsd();
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

    private ObjectNode score(String runId, Settings settings, Instant started, List<ArmSetup> arms, ArmStats[] stats,
            long[] launched, long total) {
        long seed = settings.seed();
        String policy = settings.policy();
        int k = arms.size();
        double[][] metric = new double[4][k];
        for (int i = 0; i < k; i++) {
            metric[0][i] = stats[i].successRate();
            metric[1][i] = -stats[i].costPerSession();
            metric[2][i] = -stats[i].latencyMean();
            metric[3][i] = stats[i].autonomyRate();
        }
        String[] names = {"success", "cost", "latency", "autonomy"};
        Map<String, Double> weights = settings.weights();
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

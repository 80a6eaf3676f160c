package dev.metaorch.runner;

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
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The experiment hub (seed 000): runs every variant config on the task suite, scores each on
 * success, cost, latency and autonomy, and ranks them. Session k of every variant runs the
 * same task (one seeded plan), so variants are compared on equal footing.
 * <p>Composite score and the top-two comparison: {@link HubRanking}.
 */
public final class Hub {
    /** Progress of a hub run. */
    public record Progress(long done, long total, long successes, double spendUsd) {
    }

    /** What the hub was asked to do; {@code resume} continues the run with that id from its own snapshot. */
    public record Options(HubSpec spec, List<Path> variants, Integer sessions, Long seed, int concurrency,
            String runId, Path resultsDir, Path pluginDir, Path prices, String allocation, Double maxCostUsd,
            boolean force, String resume, TeamRun team) {
        /** A hub on this machine only (no team store). */
        public Options(HubSpec spec, List<Path> variants, Integer sessions, Long seed, int concurrency, String runId,
                Path resultsDir, Path pluginDir, Path prices, String allocation, Double maxCostUsd, boolean force,
                String resume) {
            this(spec, variants, sessions, seed, concurrency, runId, resultsDir, pluginDir, prices, allocation, maxCostUsd,
                    force, resume, null);
        }
    }

    /** Settings of a hub run, kept in run.json so that a resume continues with exactly these. */
    record Settings(List<String> variants, long seed, long total, String policy, double budgetUsd, int concurrency,
            Map<String, Double> weights, HubRanking.Scales scales) {
        /** The hub file's scoring, as snapshotted. */
        HubSpec scoring() {
            return new HubSpec(null, List.of(), 0, seed, weights, budgetUsd, scales == null ? HubRanking.Scales.DEFAULT : scales);
        }
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

    private final LaunchControl control = new LaunchControl();

    /** Stops launching and cancels the sessions in flight (SIGTERM); they are logged as cancelled. */
    public void interrupt() {
        control.interrupt();
    }

    private volatile OpenRun open;

    /** Runs the hub; the run folder stays locked (one owner) until the result files are written. */
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
        boolean resuming = options.resume() != null;
        RunOpener opener = new RunOpener(options.resultsDir());
        VariantRegistry registry = VariantRegistry.load(options.pluginDir());
        RunFolder folder;
        Settings settings;
        OpenRun resumed = null;
        TeamRun team = options.team();
        if (team != null) {
            team.onLockLost(control::interrupt);
        }
        if (resuming && team == null) {
            TeamRun.refuseResumeWithoutStore(new RunFolder(options.resultsDir(), SafeIds.require("--resume",
                    options.resume())));
        }
        if (resuming && team != null) {
            // the run's lock first (a second coordinator is refused before it writes anything), then, on a
            // machine without the run's folder, the store writes it back
            team.lock(options.resume());
            team.materialize(new RunFolder(options.resultsDir(), SafeIds.require("--resume", options.resume())));
        }
        if (resuming) {
            resumed = opener.resume(options.resume(), "hub", options.force(), registry, messages);
            open = resumed;
            folder = resumed.folder();
            if (Files.isRegularFile(folder.result())) {
                // recovery is redo: a kill between result.json and latest_run.json left the latter behind
                ObjectNode done = (ObjectNode) Json.mapper().readTree(folder.result().toFile());
                AtomicFiles.writeJson(options.resultsDir().resolve("latest_run.json"), done);
                messages.accept("run " + folder.runId() + " already finished");
                return done;
            }
            if (!resumed.manifest().has("settings")) {
                throw MetaorchException.invalidInput("--resume " + options.resume() + ": " + folder.manifest()
                        + ": /settings: missing (the run was started by an older metaorch, which could not resume hub runs)");
            }
            settings = Json.mapper().treeToValue(resumed.manifest().get("settings"), Settings.class);
            for (String id : settings.variants()) {
                configs.add(resumed.config(id));
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
            opener.requireFresh(runId);
            folder = new RunFolder(options.resultsDir(), runId);
            double budget = options.maxCostUsd() != null ? options.maxCostUsd() : options.spec().maxCostUsd();
            settings = new Settings(configs.stream().map(ResolvedConfig::experimentId).toList(), seed, total,
                    options.allocation() == null ? "uniform" : options.allocation(), budget, options.concurrency(),
                    options.spec().weights(), options.spec().scales());
        }
        int k = configs.size();
        ArmFactory factory = new ArmFactory(registry, options.prices());
        List<ArmSetup> arms = new ArrayList<>();
        List<TaskPlan> plans = new ArrayList<>();
        List<TeamRun.Arm> published = new ArrayList<>();
        for (ResolvedConfig c : configs) {
            String id = c.experimentId();
            TaskSuite suite = resumed != null ? resumed.suite(id) : TaskSuite.load(c.tasksPath());
            if (resumed == null && team != null) {
                published.add(new TeamRun.Arm(null, suite, PriceTable.locate(options.prices(), c.chain())));
            }
            arms.add(resumed != null ? factory.create(id, c, suite, folder.logs(), resumed.prices(id, options.prices()))
                    : factory.create(id, c, suite, folder.logs()));
            plans.add(new TaskPlan(suite.restrictedTo(c.taskCodes()), Hashing.deriveSeed(settings.seed(), "hub")));
        }
        Allocator allocator = allocators.create(settings.policy(), k, settings.total(), settings.seed());
        if (!resuming) {
            budgetGate(arms, settings.total(), settings.budgetUsd(), settings.policy(), messages);
            Map<String, ResolvedConfig> byArm = new LinkedHashMap<>();
            configs.forEach(c -> byArm.put(c.experimentId(), c));
            ObjectNode fields = Json.object();
            fields.put("created_at", started.toString());
            fields.set("settings", Json.tree(settings));
            fields.set("variant_files", Json.tree(options.variants().stream().map(String::valueOf).toList()));
            if (team != null) {
                fields.put(TeamRun.MANIFEST_FIELD, team.storeName());
            }
            // created atomically and locked for the whole run; snapshot and hashes written before any session
            open = opener.create(new RunOpener.NewRun(folder.runId(), "hub", byArm, options.prices(), registry, fields),
                    messages);
            if (team != null) {
                var ro = configs.get(0).run();
                ObjectNode runner = Json.object().put("timeout_s", ro.timeoutS()).put("max_steps", ro.maxSteps())
                        .put("max_cost_usd", ro.maxCostUsd()).put("backoff_ms", 200);
                List<TeamRun.Arm> withSetups = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    withSetups.add(new TeamRun.Arm(arms.get(i), published.get(i).suite(), published.get(i).prices()));
                }
                ObjectNode manifest = (ObjectNode) Json.mapper().readTree(folder.manifest().toFile());
                team.publish(folder, "hub", settings.seed(), Money.nanos(settings.budgetUsd()), manifest, runner, withSetups);
                team.lock(folder.runId());
                messages.accept("run " + folder.runId() + ": published to the team store; its sessions are run by workers");
            }
        }
        var runOptions = configs.get(0).run();
        try (JsonlSessionStore store = JsonlSessionStore.open(folder.sessions())) {
            store.warnings().forEach(w -> messages.accept("warning: " + w));
            if (resuming) {
                // agents a killed metaorch left behind die, and what they spent is logged, before the log is read
                InflightAgents.reapAndReport(folder.dir(), store, messages);
            }
            if (team != null) {
                team.syncLocalLog(folder.runId(), store);
            }
            HubPlan plan = new HubPlan(arms, plans, allocator, settings, runOptions.retries(), progress);
            long spentBefore = plan.replay(store, folder.runId());
            BudgetGate gate = CostProjection.gate(arms, options.resultsDir(), Money.nanos(settings.budgetUsd()), spentBefore);
            GateSpendGuard.connect(arms, gate);
            plan.spent = gate::spentNanos;
            Map<String, ArmSetup> byId = new LinkedHashMap<>();
            arms.forEach(a -> byId.put(a.arm(), a));
            SessionExecutor runner = team != null
                    ? team.executor(folder.runId(), settings.seed(), gate, runOptions.retries(), 200, byId, store, registry,
                            folder.dir().resolve("worker"), settings.concurrency())
                    : new SessionRunner(store, folder.runId(), settings.seed(), new RunnerOptions(
                            settings.concurrency(), runOptions.timeoutS(), runOptions.retries(), 200, runOptions.maxSteps(),
                            runOptions.maxCostUsd(), folder.logs()), r -> { }, gate);
            LaunchLoop.End end = control.run(runner, gate, plan);
            RunLedger ledger = new RunLedger();
            store.forEach(ledger::add, p -> { });
            RunLedger.Figures figures = ledger.figures(null);
            if (end == LaunchLoop.End.INTERRUPTED) {
                ObjectNode o = Json.object();
                o.put("run_id", folder.runId()).put("kind", "hub").put("status", "interrupted");
                o.set("ledger", Json.tree(figures));
                if (team != null) {
                    team.finish(folder.runId(), "aborted", null, null, plan.sessionsFinished(), null);
                }
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
            List<List<SessionRecord>> records = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                records.add(plan.finals(i));
            }
            ObjectNode result = HubRanking.result(settings.scoring(), folder.runId(), settings.seed(), started, arms, stats,
                    records, plan.launchedPerArm(), settings.policy(), Math.max(1, plan.launchedTotal()));
            result.put("max_cost_usd", settings.budgetUsd()).put("cost_usd", figures.spendUsd())
                    .put("spend_nano_usd", figures.spendNanoUsd()).put("stopped_by_budget", byBudget);
            result.set("ledger", Json.tree(figures));
            AtomicFiles.writeJson(folder.result(), result);
            if (team != null) {
                team.finish(folder.runId(), "finished", null, null, ran, result);
            }
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
        public void tick(SessionExecutor runner) {
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
    /**
     * Projects the spend before the run: sessions × cost per session with every attempt (retries and
     * failures are paid too). A uniform allocation splits the sessions evenly; a bandit policy may
     * send most of them to one variant, so its projection prices every session at the dearest
     * variant (ADR-124: simulating the policy needs success rates the hub does not have before it
     * runs). Refuses when the projection exceeds the budget, unless --force.
     */
    private void budgetGate(List<ArmSetup> arms, long total, double budget, String policy, Consumer<String> messages) {
        double perSession = 0;
        double dearest = 0;
        int known = 0;
        for (ArmSetup a : arms) {
            var c = CostProjection.of(a, options.resultsDir());
            if (c.isPresent()) {
                perSession += c.get().perSessionUsd();
                dearest = Math.max(dearest, c.get().perSessionUsd());
                known++;
            }
        }
        if (known == 0) {
            messages.accept("warning: no cost estimate for the variants: budget gate skipped; the first sessions of each "
                    + "run one at a time until their cost is known");
            return;
        }
        boolean uniform = policy.equals("uniform");
        double each = uniform ? perSession / known : dearest;
        double projected = each * total;
        String figures = String.format(java.util.Locale.ROOT, "projected spend $%.4f for %d sessions ($%.5f per session, "
                + "%s, every attempt counted), budget $%.2f", projected, total, each,
                uniform ? "the variants' mean" : "the dearest variant's, as " + policy + " may send most sessions there",
                budget);
        if (projected > budget && !options.force()) {
            throw MetaorchException.invalidInput("budget: " + figures + " — raise --max-cost (or max_cost_usd in the "
                    + "hub file), run fewer --sessions, or pass --force");
        }
        messages.accept((projected > budget ? "warning: " : "") + figures);
    }
}

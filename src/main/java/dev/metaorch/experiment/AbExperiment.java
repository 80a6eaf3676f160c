package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.runner.ArmFactory;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.CostProjection;
import dev.metaorch.runner.OpenRun;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.runner.RunOpener;
import dev.metaorch.runner.RunnerOptions;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionRunner;
import dev.metaorch.runner.TaskPlan;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Decision;
import dev.metaorch.stats.Direction;
import dev.metaorch.stats.Intervals;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.SampleSize;
import dev.metaorch.stats.SimulationSummary;
import dev.metaorch.stats.SprtSimulator;
import dev.metaorch.stats.StoppingRule;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * {@code run-experiment}: control against test, paired by task, with a sequential stopping
 * rule fed in pair order. See DESIGN.md "Statistics" and the run-experiment issue.
 * <ul>
 * <li>Pair k runs both arms on task {@code plan.task(k)}; sessions are launched in pair order,
 * interleaving the arms, at most {@code concurrency} at a time.</li>
 * <li>Completed pairs go to the stopping rule strictly in pair order, so the decision is a
 * function of the seed only, whatever the concurrency and however often the run was resumed.</li>
 * <li>A pair whose session ends in an infrastructure outcome after its retries is "broken":
 * reported and left out of the statistics.</li>
 * </ul>
 */
public final class AbExperiment {
    public static final String CONTROL = "control";
    public static final String TEST = "test";

    /** Receives live status and messages. */
    public interface Monitor {
        void status(ExperimentStatus status);

        void message(String text);
    }

    private final ExperimentOptions options;
    private final Monitor monitor;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile SessionRunner runner;
    private volatile boolean interrupted;
    /** The run folder held for this run's whole life (its lock is released when run() returns). */
    private volatile OpenRun open;

    public AbExperiment(ExperimentOptions options, Monitor monitor) {
        this.options = options;
        this.monitor = monitor;
    }

    /** Asks a running experiment to stop (SIGTERM): in-flight sessions are cancelled and logged. */
    public void interrupt(long waitMillis) {
        interrupted = true;
        SessionRunner r = runner;
        if (r != null) {
            r.cancelAll("interrupted");
        }
        try {
            finished.await(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settings of a run, kept in run.json so a resume continues with exactly these. */
    record Settings(String method, String test, String direction, double alpha, double beta, double minEffect,
            double discordance, String design, String metric, int maxSessions, double maxCostUsd, int concurrency,
            long seed, double timeoutS, int retries, int maxSteps, long capPairs, double fixedNRaw) {
    }

    public ObjectNode run(String resumeId) throws IOException {
        try {
            return runInternal(resumeId);
        } finally {
            OpenRun held = open;
            if (held != null) {
                held.close();
            }
            finished.countDown();
        }
    }

    private ObjectNode runInternal(String resumeId) throws IOException {
        Instant started = Instant.now();
        ConfigLoader loader = new ConfigLoader();
        Path results = options.resultsDir();
        RunOpener opener = new RunOpener(results);
        VariantRegistry registry = VariantRegistry.load(options.pluginDir());
        RunFolder folder;
        ResolvedConfig control;
        ResolvedConfig test;
        Settings s;
        ObjectNode manifest;
        OpenRun resumed = null;
        boolean resuming = resumeId != null;
        if (resuming) {
            // locks the run (a second owner is refused), checks its snapshot, redoes its hashes
            resumed = opener.resume(resumeId, "run-experiment", options.force(), registry, monitor::message);
            open = resumed;
            folder = resumed.folder();
            manifest = resumed.manifest();
            control = resumed.config(CONTROL);
            test = resumed.config(TEST);
            if (Files.isRegularFile(folder.result())) {
                return completeFinish(resumed, control, test);
            }
            s = Json.mapper().treeToValue(manifest.get("settings"), Settings.class);
        } else {
            control = loader.load(options.control(), options.overrides());
            test = loader.load(options.test(), options.overrides());
            control.warnings().forEach(w -> monitor.message("warning: " + w));
            test.warnings().forEach(w -> monitor.message("warning: " + w));
            s = settings(test);
            String runId = options.runId() != null ? SafeIds.require("--run-id", options.runId())
                    : RunFolder.newRunId(test.experimentId());
            opener.requireFresh(runId);
            folder = new RunFolder(results, runId);
            manifest = Json.object();
        }
        // a resumed run reads the copies in its snapshot, whatever happened to the originals
        TaskSuite controlSuite = resumed != null ? resumed.suite(CONTROL) : TaskSuite.load(control.tasksPath());
        TaskSuite testSuite = control.tasksPath().equals(test.tasksPath()) ? controlSuite
                : resumed != null ? resumed.suite(TEST) : TaskSuite.load(test.tasksPath());
        List<Task> controlTasks = controlSuite.restrictedTo(control.taskCodes());
        Map<String, Task> testById = new LinkedHashMap<>();
        testSuite.restrictedTo(test.taskCodes()).forEach(t -> testById.put(t.id(), t));
        List<Task> common = controlTasks.stream().filter(t -> testById.containsKey(t.id())).toList();
        int suiteSize = common.size();
        if (common.isEmpty()) {
            throw MetaorchException.invalidInput(test.sourceOf("/tasks") + ": /tasks: the arms share no task id to pair on ("
                    + control.tasksPath() + " vs " + test.tasksPath() + ", task_codes " + control.taskCodes() + " vs "
                    + test.taskCodes() + ")");
        }
        if (resuming && manifest.has("plan_task_ids")) {
            java.util.Set<String> keep = new java.util.HashSet<>();
            manifest.get("plan_task_ids").forEach(n -> keep.add(n.asText()));
            common = common.stream().filter(t -> keep.contains(t.id())).toList();
        } else if (!resuming && options.tasksLabel() != null) {
            common = restrictToLabel(common, options.tasksLabel(), results);
        }
        boolean unpaired = s.design().equals("unpaired");
        TaskPlan controlPlan = new TaskPlan(unpaired ? controlTasks : common, Hashing.deriveSeed(s.seed(), "pairs", unpaired ? CONTROL : ""));
        TaskPlan testPlan = unpaired ? new TaskPlan(List.copyOf(testById.values()), Hashing.deriveSeed(s.seed(), "pairs", TEST)) : null;

        ArmFactory factory = new ArmFactory(registry, options.prices());
        ArmSetup controlArm = resumed != null
                ? factory.create(CONTROL, control, controlSuite, folder.logs(), resumed.prices(CONTROL, options.prices()))
                : factory.create(CONTROL, control, controlSuite, folder.logs());
        ArmSetup testArm = resumed != null
                ? factory.create(TEST, test, testSuite, folder.logs(), resumed.prices(TEST, options.prices()))
                : factory.create(TEST, test, testSuite, folder.logs());
        StoppingRule rule = ruleFor(s);

        ObjectNode projection = null;
        if (!resuming) {
            projection = budgetGate(s, rule, controlArm, testArm, results);
            manifest.put("created_at", started.toString())
                    .put("control_file", String.valueOf(options.control())).put("test_file", String.valueOf(options.test()));
            manifest.putPOJO("overrides", options.overrides());
            manifest.set("settings", Json.tree(s));
            manifest.put("plan_tasks", common.size());
            if (options.tasksLabel() != null) {
                manifest.put("tasks_label", options.tasksLabel());
                manifest.set("plan_task_ids", Json.tree(common.stream().map(Task::id).toList()));
                monitor.message(common.size() + " of " + suiteSize + " tasks remain (labelled " + options.tasksLabel()
                        + " by the sessions in " + results.resolve("runs") + ")");
            }
            Map<String, ResolvedConfig> arms = new LinkedHashMap<>();
            arms.put(CONTROL, control);
            arms.put(TEST, test);
            // creates the folder atomically and locks it, snapshots the inputs, records the
            // hashes, and writes run.json last (see RunOpener)
            open = opener.create(new RunOpener.NewRun(folder.runId(), "run-experiment", arms, options.prices(), registry,
                    manifest), monitor::message);
        }
        ExperimentTracker tracker = new ExperimentTracker(results);
        tracker.append(trackerEntry(folder.runId(), control, test, "running", 0, 0, started, null));
        monitor.message(String.format("run %s: %s vs %s, %s %s test (alpha %.2f, beta %.2f, effect %.2f), "
                + "fixed design %d pairs, cap %d pairs, %d tasks, concurrency %d%s", folder.runId(),
                control.experimentId(), test.experimentId(), s.method(), rule.test(), s.alpha(), s.beta(), s.minEffect(),
                (long) Math.ceil(s.fixedNRaw()), s.capPairs(), common.size(), s.concurrency(), resuming ? " (resumed)" : ""));

        try (JsonlSessionStore store = JsonlSessionStore.open(folder.sessions())) {
            store.warnings().forEach(w -> monitor.message("warning: " + w));
            Map<String, SessionRecord> previous = new HashMap<>();
            List<String> corrupt = new ArrayList<>();
            store.forEach(r -> previous.merge(r.sessionId(), r, (a, b) -> b.attempt() >= a.attempt() ? b : a), p -> {
                if (p.fatal()) {
                    corrupt.add(p.toString());
                } else {
                    monitor.message("warning: " + p);
                }
            });
            if (!corrupt.isEmpty()) {
                corrupt.add(folder.sessions() + ": refusing to resume over a corrupt line (its sessions would be run "
                        + "and paid for again); fix or remove the line, then resume");
                throw MetaorchException.invalidInput(corrupt);
            }
            Loop loop = new Loop(s, rule, folder, controlArm, testArm, controlPlan, testPlan, testById, previous, store);
            ObjectNode result;
            try {
                result = loop.run(started);
            } catch (RuntimeException | IOException e) {
                try {
                    tracker.append(trackerEntry(folder.runId(), control, test, "aborted", loop.sessionsLaunched,
                            loop.spend, started, null));
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            if (projection != null) {
                result.set("projection", projection);
            }
            if (result.path("decision").asText().equals("interrupted")) {
                tracker.append(trackerEntry(folder.runId(), control, test, "aborted", result.path("sessions").asLong(),
                        result.path("spend_total_usd").asDouble(), started, null));
                return result;
            }
            AtomicFiles.writeJson(folder.result(), result);
            String status = switch (result.path("decision").asText()) {
                case "accept_h1" -> "accepted";
                case "accept_h0" -> "rejected";
                default -> "inconclusive";
            };
            tracker.append(trackerEntry(folder.runId(), control, test, status, result.path("sessions").asLong(),
                    result.path("spend_total_usd").asDouble(), started, result));
            return result;
        } finally {
            controlArm.variant().close();
            testArm.variant().close();
        }
    }

    /**
     * Resuming a finished run redoes what its finish may not have done (recovery is redo): a
     * kill between writing result.json and appending the tracker's final line leaves the
     * tracker at "running", so the line is appended now. (The hashes were redone on open.)
     */
    private ObjectNode completeFinish(OpenRun run, ResolvedConfig control, ResolvedConfig test) throws IOException {
        RunFolder folder = run.folder();
        JsonNode read = JsonFiles.read(folder.result(), folder.result().toString(), "result");
        if (!(read instanceof ObjectNode done)) {
            throw MetaorchException.invalidInput(folder.result() + ": /: expected a JSON object");
        }
        String decision = done.path("decision").asText();
        String status = trackerStatus(decision);
        ExperimentTracker tracker = new ExperimentTracker(options.resultsDir());
        boolean recorded = tracker.latest(run.runId()).map(e -> e.path("status").asText().equals(status)).orElse(false);
        if (!recorded) {
            Instant created = Instant.parse(run.manifest().path("created_at").asText(Instant.now().toString()));
            tracker.append(trackerEntry(run.runId(), control, test, status, done.path("sessions").asLong(),
                    done.path("spend_total_usd").asDouble(), created, done)).forEach(w -> monitor.message("warning: " + w));
            monitor.message("run " + run.runId() + ": completed its finish: appended the tracker's final line (" + status
                    + ") to " + tracker.file());
        }
        monitor.message("run " + run.runId() + " already finished: " + decision);
        return done;
    }

    /** The tracker status of a decision. */
    static String trackerStatus(String decision) {
        return switch (decision) {
            case "accept_h1" -> "accepted";
            case "accept_h0" -> "rejected";
            default -> "inconclusive";
        };
    }

    /** The tasks that the history in {@code results} labels {@code label} (task clustering). */
    private static List<Task> restrictToLabel(List<Task> tasks, String label, Path results) throws IOException {
        if (!List.of("discriminative", "trivial", "challenging", "unclear").contains(label)) {
            throw MetaorchException.invalidInput("--tasks: must be discriminative, trivial, challenging or unclear, got '"
                    + label + "'");
        }
        dev.metaorch.analysis.TaskClusters clusters = new dev.metaorch.analysis.TaskClusters(
                dev.metaorch.analysis.TaskClusters.Thresholds.DEFAULT);
        new dev.metaorch.analysis.SessionSource(results, List.of()).forEach(clusters, p -> { });
        java.util.Set<String> keep = new java.util.HashSet<>(clusters.tasksLabelled(label));
        List<Task> out = tasks.stream().filter(t -> keep.contains(t.id())).toList();
        if (out.isEmpty()) {
            throw MetaorchException.invalidInput("--tasks " + label + ": no task of the suite is labelled " + label
                    + " by the sessions in " + results.resolve("runs") + " (run metaorch analyze --clusters)");
        }
        return out;
    }

    /** The stopping rule a run with these settings uses. */
    static StoppingRule ruleFor(Settings s) {
        return new StoppingRule(testName(s), Direction.parse(s.direction()), s.alpha(), s.beta(), s.minEffect(),
                s.discordance(), s.method().equals("fixed") ? Long.MAX_VALUE : s.capPairs());
    }

    private static String testName(Settings s) {
        return s.metric().equals("success") ? s.test() : "normal";
    }

    private Settings settings(ResolvedConfig test) {
        var st = test.stopping();
        var run = test.run();
        String method = options.method() != null ? options.method() : st.method();
        if (!method.equals("sprt") && !method.equals("fixed")) {
            throw MetaorchException.invalidInput("--method: must be sprt or fixed, got '" + method + "'");
        }
        int maxSessions = options.maxSessions() != null ? options.maxSessions() : run.maxSessions();
        double maxCost = options.maxCost() != null ? options.maxCost() : run.maxCostUsd();
        int concurrency = options.concurrency() != null ? options.concurrency() : run.concurrency();
        long seed = options.seed() != null ? options.seed() : run.seed();
        if (maxSessions < 2) {
            throw MetaorchException.invalidInput("--max-sessions: must be >= 2, got " + maxSessions);
        }
        if (!(maxCost > 0)) {
            throw MetaorchException.invalidInput("--max-cost: must be > 0, got " + maxCost);
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw MetaorchException.invalidInput("--concurrency: must be in 1..1024, got " + concurrency);
        }
        Direction dir = Direction.parse(st.direction());
        double alpha = dir == Direction.BOTH ? st.alpha() / 2 : st.alpha();
        double fixed;
        try {
            fixed = st.design().equals("unpaired") ? SampleSize.unpaired(0.5 - st.minEffect() / 2, st.minEffect(), alpha, st.beta())
                    : SampleSize.paired(Math.max(st.discordance(), st.minEffect() * st.minEffect() * 1.01), st.minEffect(), alpha, st.beta());
        } catch (IllegalArgumentException e) {
            throw MetaorchException.invalidInput(test.sourceOf("/stopping") + ": /stopping: " + e.getMessage());
        }
        long fixedN = (long) Math.ceil(fixed);
        long cap = method.equals("fixed") ? fixedN : (st.maxPairs() != null ? st.maxPairs() : 2 * fixedN);
        cap = Math.min(cap, maxSessions / 2);
        return new Settings(method, st.test(), st.direction(), st.alpha(), st.beta(), st.minEffect(), st.discordance(),
                st.design(), st.metric(), maxSessions, maxCost, concurrency, seed, run.timeoutS(), run.retries(),
                run.maxSteps(), cap, fixed);
    }

    private ObjectNode budgetGate(Settings s, StoppingRule rule, ArmSetup c, ArmSetup t, Path results) {
        var pc = CostProjection.perSession(c, results);
        var pt = CostProjection.perSession(t, results);
        ObjectNode p = Json.object();
        if (pc.isEmpty() || pt.isEmpty()) {
            monitor.message("warning: no cost estimate for " + (pc.isEmpty() ? "control" : "test")
                    + " (no earlier sessions, no variant estimate): budget gate skipped");
            return p.put("available", false);
        }
        double perPair = pc.get().usd() + pt.get().usd();
        double expectedPairs;
        double p90Pairs;
        if (s.method().equals("fixed")) {
            expectedPairs = s.capPairs();
            p90Pairs = s.capPairs();
        } else {
            SimulationSummary sim = new SprtSimulator(1).simulate(
                    SprtSimulator.paired(rule, Math.max(s.discordance(), s.minEffect() * 1.01), s.minEffect()), 1000,
                    s.seed(), null);
            expectedPairs = Math.max(sim.asnH0(), sim.asnH1());
            p90Pairs = Math.max(sim.p90H0(), sim.p90H1());
        }
        double expected = expectedPairs * perPair;
        double p90 = p90Pairs * perPair;
        p.put("available", true).put("cost_per_session_control", pc.get().usd()).put("control_source", pc.get().source())
                .put("cost_per_session_test", pt.get().usd()).put("test_source", pt.get().source())
                .put("expected_sessions", 2 * expectedPairs).put("p90_sessions", 2 * p90Pairs)
                .put("expected_usd", expected).put("p90_usd", p90).put("budget_usd", s.maxCostUsd());
        String figures = String.format("projected spend $%.4f expected (%.0f sessions), $%.4f at the 90th percentile "
                + "(%.0f sessions), at $%.5f + $%.5f per pair (%s; %s); budget $%.2f", expected, 2 * expectedPairs, p90,
                2 * p90Pairs, pc.get().usd(), pt.get().usd(), pc.get().source(), pt.get().source(), s.maxCostUsd());
        if (expected > s.maxCostUsd() && !options.force()) {
            throw MetaorchException.invalidInput("budget: " + figures
                    + " — the expected spend exceeds run.max_cost_usd; raise --max-cost or pass --force");
        }
        monitor.message((p90 > s.maxCostUsd() ? "warning: " : "") + figures);
        return p;
    }

    private static ObjectNode trackerEntry(String runId, ResolvedConfig control, ResolvedConfig test, String status,
            long sessions, double spend, Instant started, ObjectNode result) {
        ObjectNode e = Json.object();
        e.put("run_id", runId).put("experiment_id", test.experimentId()).put("parent", test.parent().orElse(null))
                .put("control", control.experimentId()).put("config_hash", test.configHash()).put("status", status)
                .put("sessions", sessions).put("spend_usd", spend).put("started_at", started.toString())
                .put("updated_at", Instant.now().toString());
        test.hypothesis().ifPresent(h -> e.set("hypothesis", h));
        if (result != null) {
            e.put("decision", result.path("decision").asText()).put("pairs", result.path("pairs").asLong())
                    .put("fixed_n", result.path("fixed_n").asLong()).put("savings", result.path("savings").asDouble());
        }
        return e;
    }

    /** The scheduling and evaluation loop of one run. */
    private final class Loop {
        private final Settings s;
        private final StoppingRule rule;
        private final ArmSetup controlArm;
        private final ArmSetup testArm;
        private final TaskPlan controlPlan;
        private final TaskPlan testPlan;
        private final Map<String, Task> testById;
        private final Map<String, SessionRecord> previous;
        private final JsonlSessionStore store;
        private final String runId;
        private final Path logDir;
        /** A finished job: its final record, or the failure that ended it (both null: stopped before it started). */
        private record Completion(SessionRecord record, Throwable failure) {
        }

        private final LinkedBlockingQueue<Completion> completed = new LinkedBlockingQueue<>();
        private final Map<Long, SessionRecord[]> finals = new HashMap<>();
        private double spend;
        private long sessionsLaunched;

        Loop(Settings s, StoppingRule rule, RunFolder folder, ArmSetup controlArm, ArmSetup testArm, TaskPlan controlPlan,
                TaskPlan testPlan, Map<String, Task> testById, Map<String, SessionRecord> previous, JsonlSessionStore store) {
            this.s = s;
            this.rule = rule;
            this.controlArm = controlArm;
            this.testArm = testArm;
            this.controlPlan = controlPlan;
            this.testPlan = testPlan;
            this.testById = testById;
            this.previous = previous;
            this.store = store;
            this.runId = folder.runId();
            this.logDir = folder.logs();
            previous.values().forEach(r -> spend += r.costUsd());
        }

        private SessionJob job(int arm, long pair) {
            Task controlTask = controlPlan.task(pair);
            if (arm == 0) {
                return new SessionJob(controlArm, pair, 0, controlTask);
            }
            Task t = testPlan != null ? testPlan.task(pair) : testById.get(controlTask.id());
            return new SessionJob(testArm, pair, 0, t);
        }

        private boolean isFinal(SessionRecord r) {
            if (r.outcome() == Outcome.CANCELLED) {
                return false;
            }
            return !r.outcome().isInfrastructure() || r.attempt() > s.retries();
        }

        private PairCounts counts = PairCounts.EMPTY;
        private final List<Double> trace = new ArrayList<>();
        private final List<Long> broken = new ArrayList<>();
        private final ArmStats cStats = new ArmStats();
        private final ArmStats tStats = new ArmStats();
        private final Map<String, int[]> flips = new TreeMap<>();
        private long nextEval;
        private StoppingRule.Evaluation evaluation;
        private String reason;
        private Decision decision;
        private long evalStartNanos;

        ObjectNode run(Instant started) throws IOException {
            SessionRunner r = new SessionRunner(store, runId, s.seed(), new RunnerOptions(s.concurrency(), s.timeoutS(),
                    s.retries(), options.backoffMs(), s.maxSteps(), s.maxCostUsd(), logDir), rec -> { });
            runner = r;
            if (interrupted) {
                r.cancelAll("interrupted");
            }
            evaluation = rule.evaluate(counts);
            evalStartNanos = System.nanoTime();
            long nextLaunch = 0;
            // replay the logged history in pair order first: a resumed run never launches a
            // session beyond a decision its history already holds
            while (decision == null && nextLaunch < s.capPairs()) {
                SessionRecord c = previous.get(job(0, nextLaunch).sessionId(runId));
                SessionRecord t = previous.get(job(1, nextLaunch).sessionId(runId));
                if (c == null || t == null || !isFinal(c) || !isFinal(t)) {
                    break;
                }
                offer(c, r);
                offer(t, r);
                nextLaunch++;
            }
            int nextArm = 0;
            int outstanding = 0;
            try {
                while (true) {
                    boolean stopLaunching = decision != null || interrupted;
                    while (!stopLaunching && outstanding < s.concurrency() && nextLaunch < s.capPairs()) {
                        if (spend >= s.maxCostUsd()) {
                            break;
                        }
                        SessionJob job = job(nextArm, nextLaunch);
                        SessionRecord prev = previous.get(job.sessionId(runId));
                        outstanding++;
                        if (prev != null && isFinal(prev)) {
                            completed.add(new Completion(prev, null));
                        } else {
                            int first = prev == null ? 1 : prev.attempt() + 1;
                            sessionsLaunched++;
                            r.submit(job, first).whenComplete((rec, err) -> completed.add(new Completion(rec, err)));
                        }
                        nextArm ^= 1;
                        if (nextArm == 0) {
                            nextLaunch++;
                        }
                    }
                    if (outstanding == 0) {
                        if (decision == null && !interrupted && !s.method().equals("fixed")) {
                            decision = Decision.INCONCLUSIVE;
                            reason = spend >= s.maxCostUsd() ? "budget: spend reached run.max_cost_usd $" + s.maxCostUsd()
                                    : nextLaunch >= s.maxSessions() / 2 ? "max_sessions reached (" + s.maxSessions() + ")"
                                    : "cap of " + s.capPairs() + " pairs reached";
                        }
                        break;
                    }
                    Completion done = completed.poll(1, TimeUnit.SECONDS);
                    if (done == null) {
                        maybeStatus(r, true);
                        continue;
                    }
                    outstanding--;
                    if (done.failure() != null) {
                        Throwable c = done.failure() instanceof java.util.concurrent.CompletionException
                                && done.failure().getCause() != null ? done.failure().getCause() : done.failure();
                        throw c instanceof MetaorchException me ? me : MetaorchException.runtime(String.valueOf(c.getMessage()), c);
                    }
                    SessionRecord rec = done.record();
                    if (rec == null) {
                        continue;
                    }
                    if (previous.get(rec.sessionId()) != rec) {
                        spend += rec.costUsd();
                    }
                    offer(rec, r);
                    if (spend >= s.maxCostUsd() && decision == null) {
                        decision = Decision.INCONCLUSIVE;
                        reason = "budget: spend reached run.max_cost_usd $" + s.maxCostUsd();
                    }
                    if (decision != null || interrupted) {
                        r.cancelAll(interrupted ? "interrupted" : "decision reached");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true;
            } finally {
                r.cancelAll("run finished");
                r.close();
            }
            if (interrupted && decision == null) {
                ObjectNode o = Json.object();
                o.put("run_id", runId).put("decision", "interrupted").put("pairs", counts.pairs())
                        .put("sessions", 2 * counts.pairs()).put("spend_total_usd", spend);
                return o;
            }
            if (s.method().equals("fixed")) {
                decision = fixedDecision(counts);
                reason = "fixed design of " + s.capPairs() + " pairs completed (one-sided sign test on discordant pairs)";
            }
            maybeStatus(r, true);
            return result(started, decision, reason, evaluation, counts, trace, broken, cStats, tStats, flips);
        }

        /** Takes a session's final record; evaluates every pair now complete, in pair order. */
        private void offer(SessionRecord rec, SessionRunner r) {
            if (rec.outcome() == Outcome.CANCELLED) {
                return;
            }
            SessionRecord[] pair = finals.computeIfAbsent(rec.pair(), k -> new SessionRecord[2]);
            pair[rec.arm().equals(CONTROL) ? 0 : 1] = rec;
            while (decision == null && finals.containsKey(nextEval) && finals.get(nextEval)[0] != null
                    && finals.get(nextEval)[1] != null) {
                if (s.method().equals("fixed") && nextEval >= s.capPairs()) {
                    return;
                }
                SessionRecord[] p = finals.remove(nextEval);
                if (p[0].outcome().isInfrastructure() || p[1].outcome().isInfrastructure()) {
                    broken.add(nextEval);
                } else {
                    counts = counts.plus(p[0].success(), p[1].success(), metric(p[0]), metric(p[1]));
                    cStats.add(p[0]);
                    tStats.add(p[1]);
                    int[] f = flips.computeIfAbsent(p[0].task().id(), k -> new int[2]);
                    f[0] += p[1].success() && !p[0].success() ? 1 : 0;
                    f[1] += p[0].success() && !p[1].success() ? 1 : 0;
                    evaluation = rule.evaluate(counts);
                    trace.add(evaluation.llr());
                    if (!s.method().equals("fixed") && evaluation.decision().isFinal()) {
                        decision = evaluation.decision();
                        reason = switch (decision) {
                            case ACCEPT_H1 -> "LLR crossed the upper bound";
                            case ACCEPT_H0 -> "LLR crossed the lower bound";
                            default -> "cap of " + s.capPairs() + " pairs reached";
                        };
                        r.cancelAll("decision reached");
                    }
                }
                nextEval++;
                maybeStatus(r, false);
            }
        }

        private double metric(SessionRecord r) {
            return switch (s.metric()) {
                case "tokens" -> r.tokens().total();
                case "cost_usd" -> r.costUsd();
                default -> r.success() ? 1 : 0;
            };
        }

        private Decision fixedDecision(PairCounts c) {
            long w = c.wins();
            long l = c.losses();
            long n = w + l;
            if (n == 0) {
                return Decision.ACCEPT_H0;
            }
            boolean worse = s.direction().equals("worse");
            long k = worse ? l : w;
            double pValue = 1 - new BinomialDistribution(null, (int) n, 0.5).cumulativeProbability((int) k - 1);
            return pValue <= s.alpha() ? Decision.ACCEPT_H1 : Decision.ACCEPT_H0;
        }

        private long lastStatusNanos;

        private void maybeStatus(SessionRunner r, boolean force) {
            long now = System.nanoTime();
            if (!force && now - lastStatusNanos < 1_000_000_000L) {
                return;
            }
            lastStatusNanos = now;
            PairCounts c = counts;
            long expected = (long) Math.ceil(s.fixedNRaw() * 0.6);
            double perPair = c.pairs() == 0 ? 0 : (now - evalStartNanos) / 1e9 / c.pairs();
            double eta = Math.max(0, expected - c.pairs()) * perPair;
            monitor.status(new ExperimentStatus(c.pairs(), c.wins(), c.ties(), c.losses(), evaluation.llr(),
                    evaluation.lower(), evaluation.upper(), cStats.successRate(), tStats.successRate(), spend,
                    r.inFlight(), 2 * c.pairs(), eta, expected));
        }

        private ObjectNode result(Instant started, Decision decision, String reason, StoppingRule.Evaluation ev,
                PairCounts counts, List<Double> trace, List<Long> broken, ArmStats cs, ArmStats ts,
                Map<String, int[]> flips) {
            ObjectNode o = Json.object();
            long fixedN = (long) Math.ceil(s.fixedNRaw());
            o.put("run_id", runId).put("seed", s.seed()).put("decision", decision.label()).put("reason", reason);
            if (ev.found() != null && decision == Decision.ACCEPT_H1) {
                o.put("direction_found", ev.found().label());
            }
            o.put("method", s.method()).put("test", rule.test()).put("design", s.design()).put("metric", s.metric())
                    .put("direction", s.direction()).put("alpha", s.alpha()).put("beta", s.beta())
                    .put("min_effect", s.minEffect()).put("llr", ev.llr());
            o.putObject("bounds").put("lower", ev.lower()).put("upper", ev.upper());
            o.put("pairs", counts.pairs()).put("wins", counts.wins()).put("ties", counts.ties()).put("losses", counts.losses());
            o.put("broken_pairs", broken.size());
            ArrayNode b = o.putArray("broken");
            broken.forEach(b::add);
            o.put("sessions", cs.sessions() + ts.sessions()).put("cost_usd", cs.costUsd() + ts.costUsd());
            o.put("fixed_n", fixedN).put("fixed_n_raw", s.fixedNRaw()).put("cap_pairs", s.capPairs());
            o.put("savings", fixedN == 0 ? 0 : 1 - (double) counts.pairs() / fixedN);
            ArrayNode tr = o.putArray("trace");
            trace.forEach(v -> tr.add(Math.round(v * 1e6) / 1e6));
            ObjectNode arms = o.putObject("arms");
            arms.set(CONTROL, armJson(controlArm, cs));
            arms.set(TEST, armJson(testArm, ts));
            ObjectNode effect = o.putObject("effect");
            double[] ci = Intervals.newcombe(ts.successes(), ts.sessions(), cs.successes(), cs.sessions(), 0.95);
            effect.put("success_rate_difference", ts.successRate() - cs.successRate());
            effect.putArray("ci").add(ci[0]).add(ci[1]);
            boolean early = s.method().equals("sprt") && decision != Decision.INCONCLUSIVE;
            effect.put("biased", early);
            effect.put("note", early ? "estimate after an early stop is biased away from zero; the interval is "
                    + "Newcombe's for independent proportions (approximate for paired data)"
                    : "Newcombe's interval for independent proportions (approximate for paired data)");
            ObjectNode flipped = o.putObject("flipped");
            ArrayNode toPass = flipped.putArray("to_pass");
            ArrayNode toFail = flipped.putArray("to_fail");
            flips.forEach((task, f) -> {
                if (f[0] > f[1]) {
                    toPass.add(task);
                } else if (f[1] > f[0]) {
                    toFail.add(task);
                }
            });
            o.put("tool_version", toolVersion());
            o.put("started_at", started.toString()).put("ended_at", Instant.now().toString())
                    .put("wall_seconds", (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0)
                    .put("sessions_launched", sessionsLaunched).put("spend_total_usd", spend);
            return o;
        }

        private ObjectNode armJson(ArmSetup arm, ArmStats st) {
            ObjectNode a = st.toJson();
            a.put("experiment_id", arm.config().experimentId()).put("config_hash", arm.config().configHash())
                    .put("model_id", arm.config().modelId()).put("variant", arm.config().variant());
            return a;
        }
    }

    static String toolVersion() {
        String v = AbExperiment.class.getPackage().getImplementationVersion();
        return "metaorch " + (v == null ? "dev" : v);
    }
}

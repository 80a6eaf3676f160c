package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.Money;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.runner.ArmFactory;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.BudgetGate;
import dev.metaorch.runner.CostProjection;
import dev.metaorch.runner.LaunchControl;
import dev.metaorch.runner.LaunchLoop;
import dev.metaorch.runner.SpendProjection;
import dev.metaorch.runner.OpenRun;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.runner.RunOpener;
import dev.metaorch.runner.RunnerOptions;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionRunner;
import dev.metaorch.runner.TaskPlan;
import dev.metaorch.runner.TeamRun;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.RunLedger;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Decision;
import dev.metaorch.store.StoreCoordinator;
import dev.metaorch.stats.Direction;
import dev.metaorch.stats.FisherExact;
import dev.metaorch.stats.SequentialEstimate;
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
    private final LaunchControl control = new LaunchControl();
    /** The run folder held for this run's whole life (its lock is released when run() returns). */
    private volatile OpenRun open;

    public AbExperiment(ExperimentOptions options, Monitor monitor) {
        this.options = options;
        this.monitor = monitor;
    }

    /** Asks a running experiment to stop (SIGTERM): in-flight sessions are cancelled and logged. */
    public void interrupt(long waitMillis) {
        control.interrupt();
        try {
            finished.await(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settings of a run, kept in run.json so a resume continues with exactly these. */
    record Settings(Method method, String test, String direction, double alpha, double beta, double minEffect,
            double discordance, Design design, Metric metric, int maxSessions, double maxCostUsd, int concurrency,
            long seed, double timeoutS, int retries, int maxSteps, long capPairs, double fixedNRaw,
            Integer circuitBreaker, String metricSource, List<Guardrail> guardrails) {
        Settings {
            guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
        }

        /** Consecutive final infrastructure failures that stop the run (10 for runs made before the setting). */
        int breaker() {
            return circuitBreaker == null ? 10 : circuitBreaker;
        }
    }

    public ExperimentResult run(String resumeId) throws IOException {
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

    private ExperimentResult runInternal(String resumeId) throws IOException {
        if (options.team() == null) {
            return runInternal(resumeId, null);
        }
        try (StoreCoordinator team = new StoreCoordinator(options.team(), monitor::message)) {
            team.onLockLost(control::interrupt);
            return runInternal(resumeId, team);
        }
    }

    private ExperimentResult runInternal(String resumeId, StoreCoordinator team) throws IOException {
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
        if (resuming && team == null) {
            TeamRun.refuseResumeWithoutStore(new RunFolder(results, SafeIds.require("--resume", resumeId)));
        }
        if (resuming && team != null) {
            // the run's lock first (a second coordinator is refused before it writes anything), then, on a
            // machine without the run's folder, the store writes it back
            team.lock(resumeId);
            team.materialize(new RunFolder(results, SafeIds.require("--resume", resumeId)));
        }
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
        List<Task> paired = common;
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
            TaskSelection selection = TaskSelection.select(common, options.tasksLabel(), results);
            common = selection.apply(common);
            manifest.set("task_selection", selection.toJson());
            manifest.put("effect_scope", selection.scope());
        }
        boolean restrictToMetric = !resuming && s.guardrails().isEmpty() && common.stream().anyMatch(t -> !s.metric().definedOn(t));
        if (restrictToMetric) {
            common = common.stream().filter(t -> s.metric().definedOn(t)).toList();
            if (common.isEmpty()) {
                throw MetaorchException.invalidInput(test.sourceOf("/tasks") + ": /tasks: the metric " + s.metric().label()
                        + " (" + s.metricSource() + ") is defined on impossible tasks only, and the suite has none");
            }
            manifest.put("effect_scope", (manifest.has("effect_scope") ? manifest.get("effect_scope").asText() + ", " : "")
                    + "on the " + common.size() + " impossible tasks, where " + s.metric().label() + " is defined");
        }
        boolean unpaired = s.design() == Design.UNPAIRED;
        List<Task> guardTasks = guardTasks(paired, manifest, s);
        // sized only when it can run: the exact power search is slow at small effects (20 s at 0.03)
        SelectionGuard selectionGuard = guardTasks.isEmpty() ? null : SelectionGuard.plan(s.minEffect(), s.discordance());
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

        SpendProjection projection = null;
        if (!resuming) {
            projection = budgetGate(s, rule, controlArm, testArm, results,
                    guardTasks.isEmpty() ? 0 : selectionGuard.pairs());
            manifest.put("created_at", started.toString())
                    .put("control_file", String.valueOf(options.control())).put("test_file", String.valueOf(options.test()));
            manifest.putPOJO("overrides", options.overrides());
            manifest.set("settings", Json.tree(s));
            manifest.put("plan_tasks", common.size());
            if (team != null) {
                // a resume without the store would run the rest here and pay for what the store's workers run
                manifest.put(TeamRun.MANIFEST_FIELD, team.storeName());
            }
            if (options.tasksLabel() != null || restrictToMetric) {
                if (options.tasksLabel() != null) {
                    manifest.put("tasks_label", options.tasksLabel());
                }
                manifest.set("plan_task_ids", Json.tree(common.stream().map(Task::id).toList()));
                monitor.message(common.size() + " of " + suiteSize + " tasks remain ("
                        + (options.tasksLabel() != null ? "labelled " + options.tasksLabel() + " by the sessions in "
                        + results.resolve("runs") : "") + (options.tasksLabel() != null && restrictToMetric ? "; " : "")
                        + (restrictToMetric ? "where " + s.metric().label() + " is defined: impossible tasks" : "") + ")");
            }
            Map<String, ResolvedConfig> arms = new LinkedHashMap<>();
            arms.put(CONTROL, control);
            arms.put(TEST, test);
            // creates the folder atomically and locks it, snapshots the inputs, records the
            // hashes, and writes run.json last (see RunOpener)
            open = opener.create(new RunOpener.NewRun(folder.runId(), "run-experiment", arms, options.prices(), registry,
                    manifest), monitor::message);
            if (team != null) {
                ObjectNode runner = Json.object().put("timeout_s", s.timeoutS()).put("max_steps", s.maxSteps())
                        .put("max_cost_usd", s.maxCostUsd()).put("backoff_ms", options.backoffMs());
                JsonNode written = JsonFiles.read(folder.manifest(), folder.manifest().toString(), "run manifest");
                team.publish(folder, "run-experiment", s.seed(), Money.nanos(s.maxCostUsd()), (ObjectNode) written, runner,
                        List.of(new TeamRun.Arm(controlArm, controlSuite, PriceTable.locate(options.prices(), control.chain())),
                                new TeamRun.Arm(testArm, testSuite, PriceTable.locate(options.prices(), test.chain()))));
                team.lock(folder.runId());
                monitor.message("run " + folder.runId() + ": published to " + options.team().url() + "; sessions are run by "
                        + (options.team().localWorkersFor(s.concurrency()) > 0 ? "this process ("
                        + options.team().localWorkersFor(s.concurrency()) + " at a time) and " : "")
                        + "any `metaorch worker` on that store");
            }
        }
        TrackerSink tracker = new TrackerSink(new ExperimentTracker(results), team);
        RepeatedTests.warning(tracker.local().runs(), control.configHash(), test.configHash(), folder.runId())
                .ifPresent(w -> monitor.message("warning: " + w));
        tracker.append(trackerEntry(folder.runId(), control, test, "running", null, started, null));
        monitor.message(String.format("run %s: %s vs %s, %s %s test (alpha %.2f, beta %.2f, effect %.2f), "
                + "fixed design %d pairs, cap %d pairs, %d tasks, concurrency %d%s", folder.runId(),
                control.experimentId(), test.experimentId(), s.method(), rule.test(), s.alpha(), s.beta(), s.minEffect(),
                (long) Math.ceil(s.fixedNRaw()), s.capPairs(), common.size(), s.concurrency(), resuming ? " (resumed)" : ""));

        try (JsonlSessionStore store = JsonlSessionStore.open(folder.sessions())) {
            store.warnings().forEach(w -> monitor.message("warning: " + w));
            // agents a killed metaorch left behind die, and what they spent is logged, before the log is read
            dev.metaorch.runner.InflightAgents.reapAndReport(folder.dir(), store, monitor::message);
            if (team != null) {
                team.syncLocalLog(folder.runId(), store);
            }
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
            Execution run = new Execution(s, rule, folder, controlArm, testArm, controlPlan, testPlan, testById, previous,
                    store, started, projection, manifest.path("effect_scope").asText(null),
                    manifest.get("task_selection") instanceof ObjectNode sel ? sel : null, guardTasks, selectionGuard,
                    team, registry);
            ExperimentResult result;
            try {
                result = run.execute();
            } catch (RuntimeException | IOException e) {
                try {
                    RunLedger.Figures f = ledgerOf(store, null);
                    tracker.append(trackerEntry(folder.runId(), control, test, "aborted", f, started, null));
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            if (result.decision().equals(INTERRUPTED)) {
                tracker.append(trackerEntry(folder.runId(), control, test, "aborted", result.ledger(), started, null));
                if (team != null) {
                    team.finish(folder.runId(), "aborted", null, result.llr(), result.pairs(), null);
                }
                return result;
            }
            AtomicFiles.writeJson(folder.result(), result);
            if (team != null) {
                team.finish(folder.runId(), "finished", result.decision(), result.llr(), result.pairs(), Json.tree(result));
            }
            String status = trackerStatus(result);
            tracker.append(trackerEntry(folder.runId(), control, test, status, result.ledger(), started, result));
            return result;
        } finally {
            controlArm.variant().close();
            testArm.variant().close();
        }
    }

    /** The ledger's figures of the run's whole log, read back after the last record landed. */
    private static RunLedger.Figures ledgerOf(JsonlSessionStore store, Long decidingPair) throws IOException {
        RunLedger ledger = new RunLedger();
        RunLedger.BeyondCounter beyond = decidingPair == null ? null : new RunLedger.BeyondCounter(decidingPair);
        store.forEach(r -> {
            ledger.add(r);
            if (beyond != null) {
                beyond.add(r);
            }
        }, p -> { });
        return ledger.figures(beyond == null ? null : beyond.result());
    }

    /**
     * Resuming a finished run redoes what its finish may not have done (recovery is redo): a
     * kill between writing result.json and appending the tracker's final line leaves the
     * tracker at "running", so the line is appended now. (The hashes were redone on open.)
     */
    private ExperimentResult completeFinish(OpenRun run, ResolvedConfig control, ResolvedConfig test) throws IOException {
        RunFolder folder = run.folder();
        JsonNode read = JsonFiles.read(folder.result(), folder.result().toString(), "result");
        if (!(read instanceof ObjectNode)) {
            throw MetaorchException.invalidInput(folder.result() + ": /: expected a JSON object");
        }
        ExperimentResult done = Json.mapper().treeToValue(read, ExperimentResult.class);
        String decision = done.decision();
        String status = trackerStatus(done);
        ExperimentTracker tracker = new ExperimentTracker(options.resultsDir());
        boolean recorded = tracker.latest(run.runId()).map(e -> e.path("status").asText().equals(status)).orElse(false);
        if (!recorded) {
            Instant created = Instant.parse(run.manifest().path("created_at").asText(Instant.now().toString()));
            tracker.append(trackerEntry(run.runId(), control, test, status, done.ledger(), created, done))
                    .forEach(w -> monitor.message("warning: " + w));
            monitor.message("run " + run.runId() + ": completed its finish: appended the tracker's final line (" + status
                    + ") to " + tracker.file());
        }
        monitor.message("run " + run.runId() + " already finished: " + decision);
        return done;
    }

    /** The tracker status of a finished run: the hypothesis verdict, or aborted by the circuit breaker. */
    static String trackerStatus(ExperimentResult result) {
        String verdict = result.hypothesisVerdict() == null ? "" : result.hypothesisVerdict();
        if (STOPPED_BY_BREAKER.equals(result.stoppedBy())) {
            return "aborted";
        }
        if (result.hypothesisVerdict() == null) {
            return switch (result.decision()) {
                case "accept_h1" -> "accepted";
                case "accept_h0" -> "rejected";
                default -> "inconclusive";
            };
        }
        return verdict.equals("accepted") ? "accepted" : verdict.startsWith("rejected") ? "rejected" : "inconclusive";
    }


    /**
     * The tasks a {@code --tasks} run left out (run.json's task_selection) that its selection guard
     * can run on: none for an unpaired design or a metric that is not a rate, else the excluded
     * tasks where the metric is defined (ADR-135).
     */
    private static List<Task> guardTasks(List<Task> paired, ObjectNode manifest, Settings s) {
        if (!(manifest.get("task_selection") instanceof ObjectNode sel) || s.design() == Design.UNPAIRED
                || !s.metric().isRate()) {
            return List.of();
        }
        java.util.Set<String> out = new java.util.HashSet<>();
        sel.path("excluded_task_ids").forEach(n -> out.add(n.asText()));
        return paired.stream().filter(t -> out.contains(t.id()) && s.metric().definedOn(t)).toList();
    }

    /** A metric that must not drop by {@code maxDrop} or more while the primary test runs. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Guardrail(Metric metric, double maxDrop) {
    }

    /** The mirrored test of a guardrail: H0 no drop, H1 a drop of max_drop (regression direction). */
    static StoppingRule guardRule(Settings s, Guardrail g) {
        return new StoppingRule(s.test(), Direction.WORSE, s.alpha(), s.beta(), g.maxDrop(), s.discordance(),
                s.method() == Method.FIXED ? Long.MAX_VALUE : s.capPairs());
    }

    /** The stopping rule a run with these settings uses. */
    static StoppingRule ruleFor(Settings s) {
        return new StoppingRule(testName(s), Direction.parse(s.direction()), s.alpha(), s.beta(), s.minEffect(),
                s.discordance(), s.method() == Method.FIXED ? Long.MAX_VALUE : s.capPairs());
    }

    private static String testName(Settings s) {
        return s.metric().test(s.test());
    }

    private Settings settings(ResolvedConfig test) {
        var st = test.stopping();
        var run = test.run();
        String methodName = options.method() != null ? options.method() : st.method();
        Method method;
        try {
            method = Method.parse(methodName);
        } catch (IllegalArgumentException e) {
            throw MetaorchException.invalidInput("--method: must be sprt or fixed, got '" + methodName + "'");
        }
        int maxSessions = options.maxSessions() != null ? options.maxSessions() : run.maxSessions();
        double maxCost = options.maxCost() != null ? options.maxCost() : run.maxCostUsd();
        int concurrency = options.concurrency() != null ? options.concurrency() : run.concurrency();
        long seed = options.seed() != null ? options.seed() : run.seed();
        if (maxSessions < 2) {
            throw MetaorchException.invalidInput("--max-sessions: must be >= 2, got " + maxSessions);
        }
        if (!(maxCost > 0) || !Double.isFinite(maxCost) || maxCost > 1e9) {
            throw MetaorchException.invalidInput("--max-cost: must be a dollar amount > 0 and at most 1e9, got " + maxCost);
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw MetaorchException.invalidInput("--concurrency: must be in 1..1024, got " + concurrency);
        }
        Metric metric;
        String metricSource;
        var hypothesisMetric = test.hypothesis().map(h -> h.path("metric").asText(null)).filter(java.util.Objects::nonNull);
        if (options.metric() != null) {
            metric = Metric.known(options.metric()).orElseThrow(() -> MetaorchException.invalidInput("--metric: must be one of "
                    + java.util.Arrays.stream(Metric.values()).map(Metric::label).toList() + ", got '" + options.metric() + "'"));
            metricSource = "--metric";
        } else if (hypothesisMetric.isPresent() && Metric.known(hypothesisMetric.get()).isPresent()) {
            metric = Metric.known(hypothesisMetric.get()).get();
            metricSource = "hypothesis " + test.hypothesis().get().path("id").asText("(no id)");
        } else {
            hypothesisMetric.ifPresent(m -> monitor.message("warning: " + test.sourceOf("/hypothesis/metric")
                    + ": /hypothesis/metric: metaorch cannot test '" + m + "'; testing stopping.metric " + st.metric()));
            metric = Metric.parse(st.metric());
            metricSource = "stopping.metric";
        }
        List<Guardrail> guardrails = new ArrayList<>();
        test.tree().path("stopping").path("guardrails").forEach(g -> guardrails.add(
                new Guardrail(Metric.parse(g.path("metric").asText()), g.path("max_drop").asDouble())));
        Direction dir = Direction.parse(st.direction());
        double alpha = dir == Direction.BOTH ? st.alpha() / 2 : st.alpha();
        double fixed;
        try {
            fixed = Design.parse(st.design()) == Design.UNPAIRED ? SampleSize.unpaired(0.5 - st.minEffect() / 2, st.minEffect(), alpha, st.beta())
                    : SampleSize.paired(Math.max(st.discordance(), st.minEffect() * st.minEffect() * 1.01), st.minEffect(), alpha, st.beta());
        } catch (IllegalArgumentException e) {
            throw MetaorchException.invalidInput(test.sourceOf("/stopping") + ": /stopping: " + e.getMessage());
        }
        long fixedN = (long) Math.ceil(fixed);
        long cap = method == Method.FIXED ? fixedN : (st.maxPairs() != null ? st.maxPairs() : 2 * fixedN);
        cap = Math.min(cap, maxSessions / 2);
        return new Settings(method, st.test(), st.direction(), st.alpha(), st.beta(), st.minEffect(), st.discordance(),
                Design.parse(st.design()), metric, maxSessions, maxCost, concurrency, seed,
                run.timeoutS(), run.retries(), run.maxSteps(), cap, fixed, run.circuitBreaker(), metricSource, guardrails);
    }

    /**
     * Projects the run's spend before it starts (ADR-019): sessions at the worst case for the
     * sample size, priced per session with every attempt (retries, errors and timeouts are paid
     * too); refuses to start when the expected spend exceeds the cap, unless --force.
     */
    private SpendProjection budgetGate(Settings s, StoppingRule rule, ArmSetup c, ArmSetup t, Path results,
            long guardPairs) {
        var pc = CostProjection.of(c, results);
        var pt = CostProjection.of(t, results);
        if (pc.isEmpty() || pt.isEmpty()) {
            monitor.message("warning: no cost estimate for " + (pc.isEmpty() ? "control" : "test")
                    + " (no earlier sessions, no variant estimate): budget gate skipped; the first sessions of that arm "
                    + "run one at a time until their cost is known");
            return SpendProjection.unavailable(s.maxCostUsd());
        }
        double expectedPairs;
        double p90Pairs;
        if (s.method() == Method.FIXED) {
            expectedPairs = s.capPairs();
            p90Pairs = s.capPairs();
        } else {
            // the worst case for the sample size is the midpoint effect, between H0 and H1 (ADR-123)
            var n = SprtSimulator.pairsAtMidpoint(rule, Math.max(s.discordance(), s.minEffect() * 1.01), 1000, s.seed());
            expectedPairs = n.mean();
            p90Pairs = n.p90();
        }
        SpendProjection p = SpendProjection.of(pc.get(), pt.get(), expectedPairs, p90Pairs, guardPairs, s.maxCostUsd());
        if (p.expectedUsd() > s.maxCostUsd() && !options.force()) {
            throw MetaorchException.invalidInput("budget: " + p.describe()
                    + " — the expected spend exceeds run.max_cost_usd; raise --max-cost or pass --force");
        }
        monitor.message((p.p90Usd() > s.maxCostUsd() ? "warning: " : "") + p.describe());
        return p;
    }

    private static ObjectNode trackerEntry(String runId, ResolvedConfig control, ResolvedConfig test, String status,
            RunLedger.Figures figures, Instant started, ExperimentResult result) {
        ObjectNode e = Json.object();
        e.put("run_id", runId).put("experiment_id", test.experimentId()).put("parent", test.parent().orElse(null))
                .put("control", control.experimentId()).put("config_hash", test.configHash())
                .put("control_hash", control.configHash()).put("status", status)
                .put("sessions", figures == null ? 0 : figures.sessionsLaunched())
                .put("attempts", figures == null ? 0 : figures.attempts())
                .put("spend_nano_usd", figures == null ? 0 : figures.spendNanoUsd())
                .put("spend_usd", figures == null ? 0 : figures.spendUsd())
                .put("started_at", started.toString()).put("updated_at", Instant.now().toString());
        test.hypothesis().ifPresent(h -> e.set("hypothesis", h));
        if (result != null) {
            e.put("decision", result.decision()).put("pairs", result.pairs()).put("fixed_n", result.fixedN())
                    .put("metric", result.metric()).put("hypothesis_verdict", result.hypothesisVerdict())
                    .put("alpha", result.alpha()).put("beta", result.beta());
            if (result.effectScope() != null) {
                e.put("effect_scope", result.effectScope());
            }
            if (result.taskSelection() != null) {
                e.put("tasks_label", result.taskSelection().path("label").asText())
                        .put("tasks_selected", result.taskSelection().path("task_ids").size())
                        .put("tasks_suite", result.taskSelection().path("task_ids").size()
                                + result.taskSelection().path("excluded_task_ids").size());
            }
            if (result.guard() != null) {
                e.put("guard", !result.guard().path("ran").asBoolean() ? "not_run"
                        : result.guard().path("regression").asBoolean() ? "regression" : "no_regression")
                        .put("guard_attempts", result.guard().path("attempts").asLong(0));
            }
            if (result.savings() != null) {
                e.put("savings", result.savings());
            }
            if (result.stoppedBy() != null) {
                e.put("stopped_by", result.stoppedBy());
            }
        }
        return e;
    }

    static final String INTERRUPTED = "interrupted";
    static final String STOPPED_BY_BREAKER = "circuit_breaker";
    static final String STOPPED_BY_BUDGET = "budget";

    /** One execution of a run (fresh or resumed): the launch loop, then the result from the log. */
    private final class Execution {
        private final Settings s;
        private final StoppingRule rule;
        private final RunFolder folder;
        private final ArmSetup controlArm;
        private final ArmSetup testArm;
        private final TaskPlan controlPlan;
        private final TaskPlan testPlan;
        private final Map<String, Task> testById;
        private final Map<String, SessionRecord> previous;
        private final JsonlSessionStore store;
        private final Instant started;
        private final SpendProjection projection;
        private final String effectScope;
        private final ObjectNode taskSelection;
        private final StoreCoordinator team;
        private final VariantRegistry registry;
        private final List<Task> guardTasks;
        private final SelectionGuard selectionGuard;
        private long lastStatusNanos;
        private boolean lastStatusFinal;
        private long evalStartNanos;
        private long pairsAtStart;

        Execution(Settings s, StoppingRule rule, RunFolder folder, ArmSetup controlArm, ArmSetup testArm,
                TaskPlan controlPlan, TaskPlan testPlan, Map<String, Task> testById, Map<String, SessionRecord> previous,
                JsonlSessionStore store, Instant started, SpendProjection projection, String effectScope,
                ObjectNode taskSelection, List<Task> guardTasks, SelectionGuard selectionGuard, StoreCoordinator team,
                VariantRegistry registry) {
            this.team = team;
            this.registry = registry;
            this.guardTasks = guardTasks;
            this.selectionGuard = selectionGuard;
            this.effectScope = effectScope;
            this.taskSelection = taskSelection;
            this.s = s;
            this.rule = rule;
            this.folder = folder;
            this.controlArm = controlArm;
            this.testArm = testArm;
            this.controlPlan = controlPlan;
            this.testPlan = testPlan;
            this.testById = testById;
            this.previous = previous;
            this.store = store;
            this.started = started;
            this.projection = projection;
        }

        ExperimentResult execute() throws IOException {
            long spentBefore = 0;
            for (SessionRecord r : allPrevious()) {
                spentBefore = Math.addExact(spentBefore, r.costNanos());
            }
            BudgetGate gate = CostProjection.gate(List.of(controlArm, testArm), options.resultsDir(),
                    Money.nanos(s.maxCostUsd()), spentBefore);
            dev.metaorch.runner.GateSpendGuard.connect(List.of(controlArm, testArm), gate);
            PairedTest test = new PairedTest(rule, s.retries(), s.method() == Method.FIXED, s.capPairs(), s.metric());
            List<PairedTest> guards = s.guardrails().stream().map(g -> new PairedTest(guardRule(s, g), s.retries(),
                    s.method() == Method.FIXED, s.capPairs(), g.metric())).toList();
            dev.metaorch.runner.SessionExecutor r = executor(gate);
            ExperimentPlan plan = new ExperimentPlan(s, rule, test, guards, controlArm, testArm, controlPlan, testPlan,
                    testById, previous, folder.runId(), runner -> status(test, runner, gate, false), monitor::message);
            plan.replay();
            pairsAtStart = test.counts().pairs();
            evalStartNanos = System.nanoTime();
            LaunchLoop.End end = control.run(r, gate, plan);
            lastStatusFinal = true;
            status(test, r, gate, true);
            if (end == LaunchLoop.End.INTERRUPTED && !plan.stopped()) {
                return interruptedResult(test, ledgerOf(store, test.decidingPair()), null);
            }
            Decision decision = test.decision();
            String reason;
            String stoppedBy = null;
            if (plan.breakerReason() != null) {
                decision = Decision.INCONCLUSIVE;
                stoppedBy = STOPPED_BY_BREAKER;
                reason = "circuit breaker: " + plan.breakerReason() + "; agent logs in " + folder.logs();
            } else if (guards.stream().anyMatch(g -> g.decision() == Decision.ACCEPT_H1)) {
                int i = java.util.stream.IntStream.range(0, guards.size())
                        .filter(j -> guards.get(j).decision() == Decision.ACCEPT_H1).findFirst().getAsInt();
                reason = "guardrail " + s.guardrails().get(i).metric().label() + " broken: its test found a drop of "
                        + s.guardrails().get(i).maxDrop() + (decision == null ? " before the primary test decided"
                        : " (the primary test: " + decision.label() + ")");
                decision = decision == null ? Decision.INCONCLUSIVE : decision;
            } else if (decision != null) {
                reason = switch (decision) {
                    case ACCEPT_H1 -> "LLR crossed the upper bound";
                    case ACCEPT_H0 -> "LLR crossed the lower bound";
                    default -> "cap of " + s.capPairs() + " pairs reached";
                };
            } else if (end == LaunchLoop.End.BUDGET) {
                decision = Decision.INCONCLUSIVE;
                stoppedBy = STOPPED_BY_BUDGET;
                reason = "budget: spend " + Money.format(gate.spentNanos()) + " plus the next session's reservation "
                        + "would pass run.max_cost_usd " + Money.formatCap(s.maxCostUsd()) + " (" + gate.lastRefusal() + ")";
            } else if (s.method() == Method.FIXED && test.counts().pairs() + test.outagePairs().size() >= s.capPairs()) {
                decision = fixedDecision(test.counts());
                reason = "fixed design of " + s.capPairs() + " pairs completed (one-sided sign test on discordant pairs)";
            } else {
                decision = Decision.INCONCLUSIVE;
                reason = plan.launchedPairs() >= s.maxSessions() / 2 ? "max_sessions reached (" + s.maxSessions() + ")"
                        : "cap of " + s.capPairs() + " pairs reached";
            }
            ObjectNode guard = null;
            if (taskSelection != null) {
                String skipped = guardSkipped(decision, stoppedBy, test, guards);
                guard = skipped != null ? SelectionGuard.notRun(skipped) : runGuard(test, gate);
                if (guard == null) {
                    return interruptedResult(test, ledgerOf(store, test.decidingPair()),
                            SelectionGuard.notRun("interrupted (resume runs the rest of the guard)"));
                }
            }
            // read after the guard, so that the ledger holds every session of the run
            RunLedger.Figures figures = ledgerOf(store, test.decidingPair());
            return result(decision, reason, stoppedBy, test, guards, figures, guard);
        }

        /** Why the selection guard does not run after this end of the main test, or null when it runs (ADR-135). */
        private String guardSkipped(Decision decision, String stoppedBy, PairedTest test, List<PairedTest> guards) {
            int excluded = taskSelection.path("excluded_task_ids").size();
            boolean better = test.evaluation().found() != null ? test.evaluation().found() == Direction.BETTER
                    : !s.direction().equals("worse");
            if (excluded == 0) {
                return "no task was excluded";
            }
            if (stoppedBy != null) {
                return "the run was stopped by " + stoppedBy;
            }
            if (decision != Decision.ACCEPT_H1 || !better) {
                return "the main test did not find the test config better (" + decision.label() + ")";
            }
            if (guards.stream().anyMatch(g -> g.decision() == Decision.ACCEPT_H1)) {
                return "a guardrail was broken";
            }
            if (s.design() == Design.UNPAIRED) {
                return "the guard pairs by task; this run is unpaired";
            }
            if (!s.metric().isRate()) {
                return "the guard's sign test needs a rate metric; " + s.metric().label() + " is not one";
            }
            if (guardTasks.isEmpty()) {
                return s.metric().label() + " is not defined on any of the " + excluded + " excluded tasks";
            }
            return null;
        }

        /** Where this run's sessions go: this process, or the team store's workers. */
        private dev.metaorch.runner.SessionExecutor executor(BudgetGate gate) {
            return team != null
                    ? team.executor(folder.runId(), s.seed(), gate, s.retries(), options.backoffMs(),
                            Map.of(CONTROL, controlArm, TEST, testArm), store, registry,
                            folder.dir().resolve("worker"), s.concurrency())
                    : new SessionRunner(store, folder.runId(), s.seed(), new RunnerOptions(s.concurrency(),
                            s.timeoutS(), s.retries(), options.backoffMs(), s.maxSteps(), s.maxCostUsd(), folder.logs()),
                            rec -> { }, gate);
        }

        /**
         * Runs the selection guard's pairs on the excluded tasks through the same launch control and
         * budget gate, replaying those already in the log; its verdict, or null when interrupted.
         */
        private ObjectNode runGuard(PairedTest test, BudgetGate gate) {
            int excluded = taskSelection.path("excluded_task_ids").size();
            TaskPlan tasks = TaskSelection.guardPlanOver(guardTasks, s.seed()).orElseThrow();
            dev.metaorch.runner.SessionExecutor r = executor(gate);
            SelectionGuardPlan plan = new SelectionGuardPlan(selectionGuard, tasks, controlArm, testArm, testById, previous,
                    folder.runId(), s.retries(), s.concurrency(), s.metric(), runner -> status(test, runner, gate, false));
            monitor.message(String.format(java.util.Locale.ROOT, "guard: %d pairs on the %d excluded tasks (sized to catch "
                    + "a drop of %.2f in %s with power %.2f)", selectionGuard.pairs(), guardTasks.size(),
                    selectionGuard.regression(), s.metric().label(), selectionGuard.power()));
            LaunchLoop.End end = control.run(r, gate, plan);
            if (end == LaunchLoop.End.INTERRUPTED) {
                return null;
            }
            ObjectNode o;
            if (plan.donePairs() < selectionGuard.pairs()) {
                o = SelectionGuard.notRun(String.format(java.util.Locale.ROOT, "budget: %d of %d guard pairs done before "
                        + "run.max_cost_usd %s refused the next session (%s)", plan.donePairs(), selectionGuard.pairs(),
                        Money.formatCap(s.maxCostUsd()), gate.lastRefusal()));
            } else {
                o = plan.verdict().toJson(selectionGuard);
            }
            RunLedger spent = new RunLedger();
            try {
                store.forEach(rec -> {
                    if (SelectionGuard.isGuard(rec)) {
                        spent.add(rec);
                    }
                }, p -> { });
            } catch (IOException e) {
                throw MetaorchException.runtime("cannot read " + folder.sessions() + ": " + e.getMessage(), e);
            }
            o.put("sessions", spent.sessions()).put("attempts", spent.attempts())
                    .put("spend_nano_usd", spent.spendNanos()).put("spend_usd", Money.usd(spent.spendNanos()));
            o.put("excluded_tasks", excluded).put("guard_tasks", guardTasks.size())
                    .put("planned_pairs", selectionGuard.pairs()).put("pairs_done", plan.donePairs())
                    .put("outage_pairs", plan.outagePairs()).put("metric", s.metric().label())
                    .put("logged_as", "pairs -1 to -" + selectionGuard.pairs() + " of the run's session log");
            return o;
        }

        private List<SessionRecord> allPrevious() throws IOException {
            List<SessionRecord> all = new ArrayList<>();
            store.forEach(all::add, p -> { });
            return all;
        }

        private ExperimentResult interruptedResult(PairedTest test, RunLedger.Figures f, ObjectNode guard) {
            PairCounts c = test.counts();
            StoppingRule.Evaluation ev = test.evaluation();
            return new ExperimentResult(folder.runId(), s.seed(), INTERRUPTED, "interrupted", null, null,
                    s.method().label(), rule.test(), s.design().label(), s.metric().label(), s.direction(), s.alpha(),
                    s.beta(), s.minEffect(), ev.llr(), new ExperimentResult.Bounds(ev.lower(), ev.upper()), c.pairs(),
                    c.wins(), c.ties(), c.losses(), 2 * c.pairs(), test.outagePairs(), null, f, s.maxCostUsd(),
                    f.spendNanoUsd(), f.spendUsd(), f.sessionsLaunched(), f.attempts(), (long) Math.ceil(s.fixedNRaw()),
                    s.fixedNRaw(), s.capPairs(), null, null, test.trace(), null, null, null, null, toolVersion(),
                    started.toString(), Instant.now().toString(), wall(), s.metricSource(), test.notApplicable(), null, null,
                    effectScope, taskSelection, guard);
        }

        private double wall() {
            return (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
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

        private void status(PairedTest test, dev.metaorch.runner.SessionExecutor r, BudgetGate gate, boolean force) {
            long now = System.nanoTime();
            if (!force && now - lastStatusNanos < 1_000_000_000L) {
                return;
            }
            lastStatusNanos = now;
            PairCounts c = test.counts();
            long expected = (long) Math.ceil(s.fixedNRaw() * 0.6);
            long done = c.pairs() - pairsAtStart;
            boolean over = force && (test.decision() != null || lastStatusFinal);
            double perPair = done <= 0 ? Double.NaN : (now - evalStartNanos) / 1e9 / done;
            // NaN: unknown (no pair evaluated yet in this process); 0 once the run is over
            double eta = over ? 0 : Math.max(0, expected - c.pairs()) * perPair;
            long n = c.pairs();
            monitor.status(new ExperimentStatus(c.pairs(), c.wins(), c.ties(), c.losses(), test.evaluation().llr(),
                    test.evaluation().lower(), test.evaluation().upper(),
                    n == 0 ? 0 : (double) test.successes(PairedTest.CONTROL) / n,
                    n == 0 ? 0 : (double) test.successes(PairedTest.TEST) / n, Money.usd(gate.spentNanos()),
                    r.inFlight(), 2 * c.pairs(), eta, expected, s.maxCostUsd(),
                    test.infrastructureFinals(PairedTest.CONTROL), test.infrastructureFinals(PairedTest.TEST)));
        }

        private ExperimentResult result(Decision decision, String reason, String stoppedBy, PairedTest test,
                List<PairedTest> guards, RunLedger.Figures figures, ObjectNode guard) {
            PairCounts counts = test.counts();
            StoppingRule.Evaluation ev = test.evaluation();
            long fixedN = (long) Math.ceil(s.fixedNRaw());
            boolean decided = stoppedBy == null && (decision == Decision.ACCEPT_H1 || decision == Decision.ACCEPT_H0);
            long guardAttempts = guard == null ? 0 : guard.path("attempts").asLong(0);
            Double savings = !decided || counts.pairs() == 0 || fixedN == 0 ? null
                    : 1 - (double) (figures.attempts() - guardAttempts) / (2 * fixedN);
            long n = counts.pairs();
            long cs = test.successes(PairedTest.CONTROL);
            long ts = test.successes(PairedTest.TEST);
            Map<String, ObjectNode> arms = new LinkedHashMap<>();
            arms.put(CONTROL, armJson(controlArm, test, PairedTest.CONTROL));
            arms.put(TEST, armJson(testArm, test, PairedTest.TEST));
            boolean early = s.method() == Method.SPRT && decision != Decision.INCONCLUSIVE && stoppedBy == null;
            SequentialEstimate adjusted = n == 0 ? null : SequentialEstimate.of(counts, rule, decision);
            ExperimentResult.Effect effect = new ExperimentResult.Effect(n == 0 ? 0 : (double) (ts - cs) / n,
                    adjusted == null ? List.of() : List.of(adjusted.fixedCiLow(), adjusted.fixedCiHigh()), early,
                    (early ? "success_rate_difference and ci: the fixed-sample estimate (paired Wald interval), biased "
                            + "toward the decision after an early stop; adjusted: the estimate and interval that account "
                            + "for the sequential design"
                            : "success_rate_difference and ci: the fixed-sample estimate with the paired Wald interval; "
                            + "adjusted: the same data ranked under the sequential design")
                            + " (the difference is in " + s.metric().label() + ")", adjusted);
            List<String> toPass = new ArrayList<>();
            List<String> toFail = new ArrayList<>();
            test.flips().forEach((task, f) -> {
                if (f[0] > f[1]) {
                    toPass.add(task);
                } else if (f[1] > f[0]) {
                    toFail.add(task);
                }
            });
            String found = ev.found() != null && decision == Decision.ACCEPT_H1 ? ev.found().label() : null;
            return new ExperimentResult(folder.runId(), s.seed(), decision.label(), reason, stoppedBy, found,
                    s.method().label(), rule.test(), s.design().label(), s.metric().label(), s.direction(), s.alpha(),
                    s.beta(), s.minEffect(), ev.llr(), new ExperimentResult.Bounds(ev.lower(), ev.upper()), n,
                    counts.wins(), counts.ties(), counts.losses(), 2 * n, test.outagePairs(), infrastructure(test),
                    figures, s.maxCostUsd(), figures.spendNanoUsd(), figures.spendUsd(), figures.sessionsLaunched(),
                    figures.attempts(), fixedN, s.fixedNRaw(), s.capPairs(), savings, SAVING_DEFINITION,
                    test.trace().stream().map(v -> Math.round(v * 1e6) / 1e6).toList(), arms, effect,
                    new ExperimentResult.Flipped(toPass, toFail), projection,
                    toolVersion(), started.toString(), Instant.now().toString(), wall(), s.metricSource(),
                    test.notApplicable(), guardrailResults(guards), hypothesisVerdict(decision, stoppedBy, guards, guard),
                    effectScope, taskSelection, guard);
        }

        private List<ExperimentResult.GuardrailResult> guardrailResults(List<PairedTest> guards) {
            List<ExperimentResult.GuardrailResult> out = new ArrayList<>();
            for (int i = 0; i < guards.size(); i++) {
                PairedTest g = guards.get(i);
                Guardrail spec = s.guardrails().get(i);
                StoppingRule.Evaluation e = g.evaluation();
                Decision d = g.decision() == null ? e.decision() : g.decision();
                String verdict = d == Decision.ACCEPT_H1 ? "broken" : d == Decision.ACCEPT_H0 ? "held" : "undecided";
                PairCounts c = g.counts();
                long n = c.pairs();
                out.add(new ExperimentResult.GuardrailResult(spec.metric().label(), spec.maxDrop(), verdict, e.llr(),
                        new ExperimentResult.Bounds(e.lower(), e.upper()), n,
                        n == 0 ? 0 : (double) (g.successes(PairedTest.TEST) - g.successes(PairedTest.CONTROL)) / n));
            }
            return out;
        }

        private String hypothesisVerdict(Decision decision, String stoppedBy, List<PairedTest> guards, ObjectNode guard) {
            if (stoppedBy != null) {
                return "inconclusive (stopped by " + stoppedBy + ")";
            }
            List<ExperimentResult.GuardrailResult> g = guardrailResults(guards);
            if (g.stream().anyMatch(x -> x.verdict().equals("broken"))) {
                return "rejected: guardrail " + g.stream().filter(x -> x.verdict().equals("broken")).findFirst().get().metric()
                        + " broken";
            }
            if (decision == Decision.ACCEPT_H1 && guard != null && guard.path("regression").asBoolean(false)) {
                return "rejected: " + s.metric().label() + " improved " + effectScope + ", but the test config is worse on "
                        + "the excluded tasks (selection guard)";
            }
            if (decision == Decision.ACCEPT_H1 && guard != null && guard.path("reason").asText("").startsWith("budget")) {
                return "inconclusive: " + s.metric().label() + " improved " + effectScope + ", but the guard on the "
                        + "excluded tasks did not finish (budget)";
            }
            return switch (decision) {
                case ACCEPT_H1 -> g.stream().allMatch(x -> x.verdict().equals("held")) ? "accepted"
                        : "inconclusive: " + s.metric().label() + " improved, but a guardrail is undecided";
                case ACCEPT_H0 -> "rejected: no improvement of " + s.minEffect() + " in " + s.metric().label();
                default -> "inconclusive";
            };
        }

        private ExperimentResult.Infrastructure infrastructure(PairedTest test) {
            long cn = test.finals(PairedTest.CONTROL);
            long cf = test.infrastructureFinals(PairedTest.CONTROL);
            long tn = test.finals(PairedTest.TEST);
            long tf = test.infrastructureFinals(PairedTest.TEST);
            Double p = cn == 0 || tn == 0 ? null : FisherExact.twoSided(cf, cn - cf, tf, tn - tf).pValue();
            boolean differs = p != null && p < 0.05;
            return new ExperimentResult.Infrastructure(cn, cf, cn == 0 ? 0 : (double) cf / cn, tn, tf,
                    tn == 0 ? 0 : (double) tf / tn, p, differs, differs
                            ? "the arms' error/timeout rates differ (Fisher's exact test p < 0.05): the configs differ in "
                            + "reliability, and those sessions count as failures of their arm (intention to treat)"
                            : "sessions that ended in error or timeout after their retries count as failures of their arm "
                            + "(intention to treat); pairs where both did are held out as outage pairs");
        }

        private ObjectNode armJson(ArmSetup arm, PairedTest test, int index) {
            ObjectNode a = test.stats(index).toJson();
            long n = test.counts().pairs();
            long k = test.successes(index);
            double[] w = n == 0 ? new double[] {0, 1} : Intervals.wilson(k, n, 0.95);
            a.put("valid_sessions", a.path("sessions").asLong());
            a.put("sessions", n).put("successes", k).put("success_rate", n == 0 ? 0 : (double) k / n);
            a.putArray("ci").add(w[0]).add(w[1]);
            a.put("itt_failures", test.ittFailures(index));
            a.put("experiment_id", arm.config().experimentId()).put("config_hash", arm.config().configHash())
                    .put("model_id", arm.config().modelId()).put("variant", arm.config().variant());
            return a;
        }
    }

    /** How result.json defines the saving (ADR-020). */
    static final String SAVING_DEFINITION = "1 - attempts paid (every attempt of every session launched, retries and "
            + "cancelled ones included; the selection guard's are in the spend, not here) / sessions of the fixed design "
            + "(2 x fixed_n); only for a run that decided (accept_h1 or accept_h0) on at least one usable pair";

    static String toolVersion() {
        String v = AbExperiment.class.getPackage().getImplementationVersion();
        return "metaorch " + (v == null ? "dev" : v);
    }
}

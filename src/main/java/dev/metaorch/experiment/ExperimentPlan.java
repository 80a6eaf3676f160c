package dev.metaorch.experiment;

import dev.metaorch.config.Task;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.LaunchLoop;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionRunner;
import dev.metaorch.runner.TaskPlan;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Decision;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What {@code run-experiment} launches, for the {@link LaunchLoop}: pair k's control then test
 * session, in pair order, with sessions already final in the log replayed instead of run again.
 * <p>Overrun control (ADR-020): sessions of pairs beyond the one that decides are paid for
 * nothing. The plan keeps the launched pairs within a window ahead of the pair the test waits
 * for: twice the fewest pairs that could still reach a decision (all wins, all ties or all
 * losses from here), at least 2 — so concurrency is full while the LLR is far from its bounds
 * and shrinks as it comes within reach of one.
 * <p>Circuit breaker: {@code run.circuit_breaker} consecutive sessions (in completion order, any
 * arm) that end in error or timeout after their retries stop the run: an outage or an agent that
 * cannot run is no evidence about either config.
 */
final class ExperimentPlan implements LaunchLoop.Plan {
    private final AbExperiment.Settings s;
    private final StoppingRule rule;
    private final PairedTest test;
    private final ArmSetup[] arms;
    private final TaskPlan controlPlan;
    private final TaskPlan testPlan;
    private final Map<String, Task> testById;
    private final Map<String, SessionRecord> previous;
    private final String runId;
    private final Consumer<SessionRunner> status;
    private final Map<String, Long> errorReasons = new TreeMap<>();
    private long nextPair;
    private int nextArm;
    private int consecutiveInfrastructure;
    private String breakerReason;
    private long windowForPairs = -1;
    private long window;

    ExperimentPlan(AbExperiment.Settings s, StoppingRule rule, PairedTest test, ArmSetup controlArm, ArmSetup testArm,
            TaskPlan controlPlan, TaskPlan testPlan, Map<String, Task> testById, Map<String, SessionRecord> previous,
            String runId, Consumer<SessionRunner> status) {
        this.s = s;
        this.rule = rule;
        this.test = test;
        this.arms = new ArmSetup[] {controlArm, testArm};
        this.controlPlan = controlPlan;
        this.testPlan = testPlan;
        this.testById = testById;
        this.previous = previous;
        this.runId = runId;
        this.status = status;
    }

    SessionJob job(int arm, long pair) {
        Task controlTask = controlPlan.task(pair);
        if (arm == PairedTest.CONTROL) {
            return new SessionJob(arms[0], pair, 0, controlTask);
        }
        Task t = testPlan != null ? testPlan.task(pair) : testById.get(controlTask.id());
        return new SessionJob(arms[1], pair, 0, t);
    }

    static int armIndex(SessionRecord r) {
        return r.arm().equals(AbExperiment.CONTROL) ? PairedTest.CONTROL : PairedTest.TEST;
    }

    /**
     * Feeds the log's final records to the test in pair order, before anything is launched: a
     * resumed run never launches a session beyond a decision its history already holds.
     */
    void replay() {
        while (test.decision() == null && nextPair < s.capPairs()) {
            SessionRecord c = previous.get(job(0, nextPair).sessionId(runId));
            SessionRecord t = previous.get(job(1, nextPair).sessionId(runId));
            if (c == null || t == null || !test.isFinal(c) || !test.isFinal(t)) {
                break;
            }
            test.accept(c, PairedTest.CONTROL);
            test.accept(t, PairedTest.TEST);
            nextPair++;
        }
    }

    @Override
    public SessionJob next(int inFlight) {
        while (test.decision() == null && inFlight < s.concurrency() && nextPair < s.capPairs() && nextPair - test.nextPair() < window()) {
            SessionJob job = job(nextArm, nextPair);
            SessionRecord prev = previous.get(job.sessionId(runId));
            if (prev != null && test.isFinal(prev)) {
                advance();
                test.accept(prev, armIndex(prev));
                continue;
            }
            return job;
        }
        return null;
    }

    private void advance() {
        nextArm ^= 1;
        if (nextArm == 0) {
            nextPair++;
        }
    }

    /** Pairs that may be launched ahead of the pair the test waits for. */
    private long window() {
        if (s.method() == Method.FIXED || s.metric() != Metric.SUCCESS) {
            return Long.MAX_VALUE;
        }
        PairCounts c = test.counts();
        if (windowForPairs != c.pairs()) {
            windowForPairs = c.pairs();
            long limit = Math.max(2, s.concurrency() / 2 + 1);
            long k = reach(c, true, false, limit);
            k = Math.min(k, reach(c, false, false, limit));
            k = Math.min(k, reach(c, false, true, limit));
            window = Math.max(2, 2 * k);
        }
        return window;
    }

    /** The fewest pairs of one kind (wins, losses or ties) that would end the test, up to {@code limit}. */
    private long reach(PairCounts c, boolean win, boolean tie, long limit) {
        PairCounts x = c;
        for (long k = 1; k <= limit; k++) {
            x = tie ? x.plus(true, true, 1, 1) : x.plus(!win, win, win ? 1 : 0, win ? 0 : 1);
            if (rule.evaluate(x).decision().isFinal()) {
                return k;
            }
        }
        return limit;
    }

    @Override
    public void launched(SessionJob job) {
        advance();
    }

    @Override
    public int firstAttempt(SessionJob job) {
        SessionRecord prev = previous.get(job.sessionId(runId));
        return prev == null ? 1 : prev.attempt() + 1;
    }

    @Override
    public void completed(SessionJob job, SessionRecord last) {
        if (last == null || last.outcome() == Outcome.CANCELLED || !test.isFinal(last)) {
            return;
        }
        if (last.outcome().isInfrastructure()) {
            consecutiveInfrastructure++;
            String why = last.error() == null ? last.outcome().label()
                    : last.error().type() + ": " + last.error().message();
            errorReasons.merge(why.length() > 200 ? why.substring(0, 200) + "…" : why, 1L, Long::sum);
            if (s.circuitBreaker() > 0 && consecutiveInfrastructure >= s.circuitBreaker() && breakerReason == null) {
                breakerReason = consecutiveInfrastructure + " consecutive sessions ended in error or timeout after "
                        + s.retries() + " retries (run.circuit_breaker " + s.circuitBreaker() + "); most common: "
                        + mostCommonError();
            }
        } else {
            consecutiveInfrastructure = 0;
        }
        test.accept(last, armIndex(last));
    }

    /** The most frequent reason of sessions that ended in error or timeout, with its count. */
    String mostCommonError() {
        return errorReasons.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> e.getKey() + " (" + e.getValue() + "x)").orElse("none");
    }

    /** Why the circuit breaker stopped the run, or null. */
    String breakerReason() {
        return breakerReason;
    }

    long launchedPairs() {
        return nextPair;
    }

    @Override
    public boolean stopped() {
        return breakerReason != null || (test.decision() != null && test.decision() != Decision.CONTINUE);
    }

    @Override
    public void tick(SessionRunner runner) {
        status.accept(runner);
    }
}

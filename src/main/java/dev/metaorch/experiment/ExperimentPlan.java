package dev.metaorch.experiment;

import dev.metaorch.config.Task;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.LaunchLoop;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionExecutor;
import dev.metaorch.runner.TaskPlan;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Decision;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.util.List;
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
    private final List<PairedTest> guards;
    private final ArmSetup[] arms;
    private final TaskPlan controlPlan;
    private final TaskPlan testPlan;
    private final Map<String, Task> testById;
    private final Map<String, SessionRecord> previous;
    private final String runId;
    private final Consumer<SessionExecutor> status;
    private final Consumer<String> messages;
    private final Map<String, Long> errorReasons = new TreeMap<>();
    private long nextPair;
    private int nextArm;
    private int consecutiveInfrastructure;
    private String breakerReason;
    private long windowForPairs = Long.MIN_VALUE;
    private long window;

    ExperimentPlan(AbExperiment.Settings s, StoppingRule rule, PairedTest test, List<PairedTest> guards,
            ArmSetup controlArm, ArmSetup testArm, TaskPlan controlPlan, TaskPlan testPlan, Map<String, Task> testById,
            Map<String, SessionRecord> previous, String runId, Consumer<SessionExecutor> status, Consumer<String> messages) {
        this.messages = messages;
        this.s = s;
        this.rule = rule;
        this.test = test;
        this.guards = guards;
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
        while (!stopped() && nextPair < s.capPairs()) {
            SessionRecord c = previous.get(job(0, nextPair).sessionId(runId));
            SessionRecord t = previous.get(job(1, nextPair).sessionId(runId));
            if (c == null || t == null || !test.isFinal(c) || !test.isFinal(t)) {
                break;
            }
            feed(c);
            feed(t);
            nextPair++;
        }
    }

    @Override
    public SessionJob next(int inFlight) {
        while (!stopped() && inFlight < s.concurrency() && nextPair < s.capPairs()
                && nextPair - active().nextPair() < window()) {
            SessionJob job = job(nextArm, nextPair);
            SessionRecord prev = previous.get(job.sessionId(runId));
            if (prev != null && test.isFinal(prev)) {
                advance();
                feed(prev);
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

    /** Feeds an attempt record to the primary test and to every guardrail. */
    private void feed(SessionRecord r) {
        int arm = armIndex(r);
        test.accept(r, arm);
        guards.forEach(g -> g.accept(r, arm));
    }

    /** The test that keeps the run going: the primary one, then any guardrail still undecided. */
    private PairedTest active() {
        if (test.decision() == null) {
            return test;
        }
        return guards.stream().filter(g -> g.decision() == null).findFirst().orElse(test);
    }

    /** Pairs that may be launched ahead of the pair the active test waits for. */
    private long window() {
        PairedTest t = active();
        if (s.method() == Method.FIXED || !t.metric().isRate()) {
            return Long.MAX_VALUE;
        }
        PairCounts c = t.counts();
        long key = c.pairs() * 31 + guards.indexOf(t);
        if (windowForPairs != key) {
            windowForPairs = key;
            long limit = Math.max(2, s.concurrency() / 2 + 1);
            long k = reach(t.rule(), c, true, false, limit);
            k = Math.min(k, reach(t.rule(), c, false, false, limit));
            k = Math.min(k, reach(t.rule(), c, false, true, limit));
            window = Math.max(2, 2 * k);
        }
        return window;
    }

    /** The fewest pairs of one kind (wins, losses or ties) that would end the test, up to {@code limit}. */
    private static long reach(StoppingRule rule, PairCounts c, boolean win, boolean tie, long limit) {
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
            String key = why.length() > 200 ? why.substring(0, 200) + "…" : why;
            if (errorReasons.merge(key, 1L, Long::sum) == 1L) {
                // each distinct reason is told once, as it happens; the live line counts them per arm
                messages.accept("warning: " + last.arm() + " session " + last.sessionId() + " ended in "
                        + last.outcome().label() + " after " + last.attempt() + " attempt(s): " + key);
            }
            if (s.circuitBreaker() > 0 && consecutiveInfrastructure >= s.circuitBreaker() && breakerReason == null) {
                breakerReason = consecutiveInfrastructure + " consecutive sessions ended in error or timeout after "
                        + s.retries() + " retries (run.circuit_breaker " + s.circuitBreaker() + "); most common: "
                        + mostCommonError();
            }
        } else {
            consecutiveInfrastructure = 0;
        }
        feed(last);
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

    /**
     * Stops on the circuit breaker, on a broken guardrail, or once the primary test decided and, if
     * it found an improvement, every guardrail decided too (a win is accepted only with its
     * guardrails held).
     */
    @Override
    public boolean stopped() {
        if (breakerReason != null || guards.stream().anyMatch(g -> g.decision() == Decision.ACCEPT_H1)) {
            return true;
        }
        if (test.decision() == null) {
            return false;
        }
        return test.decision() != Decision.ACCEPT_H1 || guards.stream().allMatch(g -> g.decision() != null);
    }

    @Override
    public void tick(SessionExecutor runner) {
        status.accept(runner);
    }
}

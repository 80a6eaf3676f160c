package dev.metaorch.experiment;

import dev.metaorch.config.Task;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.LaunchLoop;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionExecutor;
import dev.metaorch.runner.TaskPlan;
import dev.metaorch.session.SessionRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the {@link SelectionGuard} launches after a run on selected tasks accepted the test
 * config (ADR-135): {@code guard.pairs()} pairs on the excluded tasks, control then test on the
 * same task, through the run's launch loop and budget gate. Guard pair k is logged as pair
 * {@code −(k+1)} ({@link SelectionGuard#logPair}): its sessions are in the run's log and ledger,
 * but never in the main test's pairs (0, 1, 2, …) nor in its overrun. Sessions already final in
 * the log are replayed, not run again. A pair counts when both its sessions are final
 * (intention to treat as in {@link PairedTest}: error or timeout after the retries is a failure
 * of its arm, both so is an outage pair, held out); the sign test does not depend on the order.
 */
final class SelectionGuardPlan implements LaunchLoop.Plan {
    private final SelectionGuard guard;
    private final TaskPlan tasks;
    private final ArmSetup[] arms;
    private final Map<String, Task> testById;
    private final Map<String, SessionRecord> previous;
    private final String runId;
    private final int retries;
    private final int concurrency;
    private final Metric metric;
    private final Consumer<SessionExecutor> status;
    private final Map<Long, SessionRecord[]> waiting = new HashMap<>();
    private long nextPair;
    private int nextArm;
    private long wins;
    private long ties;
    private long losses;
    private long outages;

    SelectionGuardPlan(SelectionGuard guard, TaskPlan tasks, ArmSetup controlArm, ArmSetup testArm,
            Map<String, Task> testById, Map<String, SessionRecord> previous, String runId, int retries, int concurrency,
            Metric metric, Consumer<SessionExecutor> status) {
        this.guard = guard;
        this.tasks = tasks;
        this.arms = new ArmSetup[] {controlArm, testArm};
        this.testById = testById;
        this.previous = previous;
        this.runId = runId;
        this.retries = retries;
        this.concurrency = concurrency;
        this.metric = metric;
        this.status = status;
    }

    SessionJob job(int arm, long k) {
        Task t = tasks.task(k);
        return new SessionJob(arms[arm], SelectionGuard.logPair(k), 0,
                arm == PairedTest.CONTROL ? t : testById.get(t.id()));
    }

    private boolean isFinal(SessionRecord r) {
        return PairedTest.isFinal(r, retries);
    }

    @Override
    public SessionJob next(int inFlight) {
        while (inFlight < concurrency && nextPair < guard.pairs()) {
            SessionJob job = job(nextArm, nextPair);
            SessionRecord prev = previous.get(job.sessionId(runId));
            if (prev != null && isFinal(prev)) {
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

    private void feed(SessionRecord r) {
        SessionRecord[] p = waiting.computeIfAbsent(r.pair(), k -> new SessionRecord[2]);
        p[ExperimentPlan.armIndex(r)] = r;
        if (p[0] == null || p[1] == null) {
            return;
        }
        waiting.remove(r.pair());
        SessionRecord c = p[PairedTest.CONTROL];
        SessionRecord t = p[PairedTest.TEST];
        if (c.outcome().isInfrastructure() && t.outcome().isInfrastructure()) {
            outages++;
            return;
        }
        boolean cs = metric.scored(c);
        boolean ts = metric.scored(t);
        wins += ts && !cs ? 1 : 0;
        losses += cs && !ts ? 1 : 0;
        ties += cs == ts ? 1 : 0;
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
        if (last != null && isFinal(last)) {
            feed(last);
        }
    }

    @Override
    public boolean stopped() {
        return false;
    }

    @Override
    public void tick(SessionExecutor runner) {
        status.accept(runner);
    }

    /** Pairs with both sessions final (outage pairs included). */
    long donePairs() {
        return wins + ties + losses + outages;
    }

    long outagePairs() {
        return outages;
    }

    /** The sign test's verdict on the pairs done. */
    SelectionGuard.Verdict verdict() {
        return guard.judge(wins, ties, losses);
    }
}

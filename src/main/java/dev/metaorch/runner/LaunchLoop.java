package dev.metaorch.runner;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.session.SessionRecord;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one launch loop, shared by {@code run-experiment} and the hub: it asks a {@link Plan} for
 * jobs, launches each only after the {@link BudgetGate} reserved its first attempt, hands every
 * finished job back to the plan on this thread (so plans need no locking), and cancels what is in
 * flight as soon as the plan says stop. It ends when nothing is in flight and nothing more can be
 * launched: the plan has no job, the plan stopped, the run was interrupted, or the budget refuses
 * the next job with nothing in flight that could free a reservation.
 */
public final class LaunchLoop {
    /** What to run, decided one job at a time. All methods are called on the loop's thread. */
    public interface Plan {
        /**
         * The next job to launch now, or null when there is none for the moment (a window is
         * full, the plan is exhausted). The loop calls {@link #launched} when it took the job.
         */
        SessionJob next(int inFlight);

        /** The job returned by the last {@link #next} was launched (or replayed from the log). */
        void launched(SessionJob job);

        /** The first attempt number of the job (1, or one past the log's last attempt). */
        int firstAttempt(SessionJob job);

        /**
         * A launched job ended: {@code last} is its last attempt's record, or null when it never
         * ran (stopped, or the budget refused its first attempt).
         */
        void completed(SessionJob job, SessionRecord last);

        /** True once the plan wants nothing more: in-flight sessions are cancelled. */
        boolean stopped();

        /** Called at least once a second and after each completion, for live status. */
        void tick(SessionExecutor runner);
    }

    /** Why the loop ended. */
    public enum End {
        /** The plan had nothing more to launch, or stopped. */
        PLAN,
        /** The budget gate refused the next job. */
        BUDGET,
        /** {@link #interrupt} was called. */
        INTERRUPTED
    }

    private record Completion(SessionJob job, SessionRecord record, Throwable failure) {
    }

    private final SessionExecutor runner;
    private final BudgetGate budget;
    private final LinkedBlockingQueue<Completion> completed = new LinkedBlockingQueue<>();
    private volatile boolean interrupted;

    public LaunchLoop(SessionExecutor runner, BudgetGate budget) {
        this.runner = runner;
        this.budget = budget;
    }

    /** Stops launching and cancels every session in flight (SIGTERM); safe from any thread. */
    public void interrupt() {
        interrupted = true;
        runner.cancelAll("interrupted");
    }

    public boolean interrupted() {
        return interrupted;
    }

    /** Runs until the end; rethrows the first failure of a job (a store that cannot write). */
    public End run(Plan plan) {
        int inFlight = 0;
        boolean budgetRefused = false;
        boolean cancelled = false;
        try {
            while (true) {
                if (runner.shuttingDown()) {
                    interrupted = true;
                }
                budgetRefused = false;
                while (!interrupted && !plan.stopped()) {
                    SessionJob job = plan.next(inFlight);
                    if (job == null) {
                        break;
                    }
                    BudgetGate.Reservation reservation = budget.tryReserve(job.arm().arm());
                    if (reservation == null) {
                        budgetRefused = true;
                        break;
                    }
                    plan.launched(job);
                    inFlight++;
                    runner.submit(job, plan.firstAttempt(job), reservation)
                            .whenComplete((rec, err) -> completed.add(new Completion(job, rec, err)));
                }
                if ((plan.stopped() || interrupted) && !cancelled && inFlight > 0) {
                    runner.cancelAll(interrupted ? "interrupted" : "decision reached");
                    cancelled = true;
                }
                if (inFlight == 0) {
                    break;
                }
                Completion done = completed.poll(1, TimeUnit.SECONDS);
                if (done == null) {
                    plan.tick(runner);
                    continue;
                }
                inFlight--;
                if (done.failure() != null) {
                    Throwable c = done.failure() instanceof CompletionException && done.failure().getCause() != null
                            ? done.failure().getCause() : done.failure();
                    throw c instanceof MetaorchException me ? me : MetaorchException.runtime(String.valueOf(c.getMessage()), c);
                }
                plan.completed(done.job(), done.record());
                plan.tick(runner);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted = true;
        } finally {
            runner.cancelAll("run finished");
        }
        if (interrupted) {
            return End.INTERRUPTED;
        }
        return budgetRefused && !plan.stopped() ? End.BUDGET : End.PLAN;
    }
}

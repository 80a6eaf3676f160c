package dev.metaorch.runner;

import dev.metaorch.session.SessionRecord;
import java.util.concurrent.CompletableFuture;

/**
 * Where a launch loop's sessions run: in this process ({@link SessionRunner}) or on workers that
 * claim them from a PostgreSQL store ({@code store.PgDispatcher}). Either way a job's future
 * completes with its last attempt's record once that record is durable, or with null when the job
 * never started; retries happen inside, each reserving again through the run's budget gate.
 */
public interface SessionExecutor extends AutoCloseable {
    /** Runs {@code job} from attempt {@code firstAttempt}, whose first attempt holds {@code reservation}. */
    CompletableFuture<SessionRecord> submit(SessionJob job, int firstAttempt, BudgetGate.Reservation reservation);

    /** Stops launching attempts and cancels every session in flight (their records say cancelled). */
    void cancelAll(String reason);

    /** Jobs submitted whose future has not completed. */
    int inFlight();

    /** True once the process is shutting down (SIGTERM): a launch loop treats it as an interrupt. */
    boolean shuttingDown();

    @Override
    void close();
}

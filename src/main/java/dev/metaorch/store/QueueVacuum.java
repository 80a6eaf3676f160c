package dev.metaorch.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Vacuums the work queue's tables while a run goes on (ADR-186). Every session updates its
 * attempt twice and its record once, and the old row versions stay in the partial indexes a
 * claim and a collect scan ({@code attempts_queued}, {@code records_uncollected}) until a vacuum
 * removes them; autovacuum looks at most once a minute ({@code autovacuum_naptime}), so within a
 * run each claim and collect read every row version the run left so far (measured: ~14,000
 * index entries per scan after 26,000 sessions, and a claim's plan turned to the whole run's
 * primary key for want of statistics). The coordinator therefore runs {@code VACUUM (ANALYZE,
 * SKIP_LOCKED)} on those tables in the background after every {@link #EVERY} records it
 * collected, one at a time.
 */
final class QueueVacuum implements AutoCloseable {
    static final long EVERY = 4096;

    private final PgStore store;
    private final Consumer<String> messages;
    private final AtomicLong sinceLast = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "store-queue-vacuum");
        t.setDaemon(true);
        return t;
    });

    QueueVacuum(PgStore store, Consumer<String> messages) {
        this.store = store;
        this.messages = messages;
    }

    /** {@code n} more records were collected: vacuums when {@link #EVERY} have been since the last time. */
    void collected(int n) {
        if (sinceLast.addAndGet(n) >= EVERY && running.compareAndSet(false, true)) {
            sinceLast.set(0);
            thread.execute(this::vacuum);
        }
    }

    private void vacuum() {
        try (Connection c = store.connection()) {
            c.setAutoCommit(true); // VACUUM cannot run inside a transaction
            try (var st = c.createStatement()) {
                st.execute("vacuum (analyze, skip_locked) attempts, records, runs, run_arms");
            }
        } catch (SQLException e) {
            // the queue keeps working without it, only slower: said once per failure, never fatal
            messages.accept("warning: " + store.url() + ": cannot vacuum the work queue ("
                    + PgStore.firstLine(String.valueOf(e.getMessage())) + ")");
        } finally {
            running.set(false);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

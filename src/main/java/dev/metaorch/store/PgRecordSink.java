package dev.metaorch.store;

import dev.metaorch.common.Json;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.session.SessionStore;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A worker's session log: {@link #append} returns once the record is committed in the store,
 * written with group commit (one transaction for the records queued meanwhile; a few such
 * transactions in flight at once). A record is
 * written only for an attempt this worker still holds: the transaction first moves the held
 * attempts from {@code claimed} to {@code done}, then inserts the records of exactly those; an
 * attempt whose lease expired meanwhile was recorded lost by the coordinator and issued again,
 * so its late record is discarded (and said so), never counted twice. A cut connection is
 * waited out: the record stays in memory until a commit succeeds.
 */
public final class PgRecordSink implements SessionStore {
    private record Pending(SessionRecord record, CompletableFuture<Boolean> done) {
    }

    private final PgStore store;
    private final PgRuns runs;
    private final String worker;
    private final Consumer<String> messages;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Writers in parallel: while one batch waits for its commit (the WAL flush), the next is being written. */
    static final int WRITERS = 3;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;
    private long discarded;

    public PgRecordSink(PgStore store, String worker, Consumer<String> messages) {
        this.store = store;
        this.runs = new PgRuns(store);
        this.worker = worker;
        this.messages = messages;
        for (int i = 0; i < WRITERS; i++) {
            Thread t = new Thread(this::writeLoop, "store-record-writer-" + i);
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
    }

    @Override
    public void append(SessionRecord record) throws IOException {
        if (closed) {
            throw new IOException(store.url() + ": the worker's record writer is closed");
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        queue.add(new Pending(record, done));
        SessionStore.awaitWritten(done);
    }

    /** Late records of attempts declared lost, discarded. */
    public synchronized long discarded() {
        return discarded;
    }

    @Override
    public void forEach(Consumer<SessionRecord> consumer, Consumer<LogProblem> problems) {
        throw new UnsupportedOperationException("a worker's sink is written, not read");
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            queue.drainTo(batch, 1023);
            long delay = 50;
            while (true) {
                try {
                    write(batch);
                    store.back(messages);
                    break;
                } catch (SQLException e) {
                    if (!PgStore.transientFailure(e)) {
                        IOException io = new IOException(store.url() + ": cannot write " + batch.size() + " record(s): "
                                + PgStore.firstLine(e.getMessage()), e);
                        batch.forEach(p -> p.done().completeExceptionally(io));
                        break;
                    }
                    store.away(messages, "write " + batch.size() + " record(s)", e); // once per outage, not per try
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException ie) {
                        // keep the records: they are written once the store is back
                    }
                    delay = Math.min(2000, delay * 2);
                }
            }
        }
    }

    private void write(List<Pending> batch) throws SQLException {
        Set<AttemptKey> held = new HashSet<>();
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("update attempts t set state = 'done', ended_at = now() "
                    + "from unnest(?::text[], ?::text[], ?::bigint[], ?::int[], ?::int[]) as k(run_id, arm, pair, repeat, attempt) "
                    + "where t.run_id = k.run_id and t.arm = k.arm and t.pair = k.pair and t.repeat = k.repeat "
                    + "and t.attempt = k.attempt and t.state = 'claimed' and t.worker = ? "
                    + "returning t.run_id, t.arm, t.pair, t.repeat, t.attempt")) {
                int n = batch.size();
                String[] run = new String[n];
                String[] arm = new String[n];
                Long[] pair = new Long[n];
                Integer[] repeat = new Integer[n];
                Integer[] attempt = new Integer[n];
                for (int i = 0; i < n; i++) {
                    SessionRecord r = batch.get(i).record();
                    run[i] = r.runId();
                    arm[i] = r.arm();
                    pair[i] = r.pair();
                    repeat[i] = r.repeat();
                    attempt[i] = r.attempt();
                }
                Array[] arrays = {c.createArrayOf("text", run), c.createArrayOf("text", arm), c.createArrayOf("bigint", pair),
                    c.createArrayOf("int", repeat), c.createArrayOf("int", attempt)};
                for (int i = 0; i < arrays.length; i++) {
                    ps.setArray(i + 1, arrays[i]);
                }
                ps.setString(6, worker);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        held.add(new AttemptKey(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getInt(5)));
                    }
                }
            }
            List<SessionRecord> keep = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            Set<String> runIds = new LinkedHashSet<>();
            for (Pending p : batch) {
                if (held.contains(AttemptKey.of(p.record()))) {
                    keep.add(p.record());
                    lines.add(Json.line(p.record()));
                    runIds.add(p.record().runId());
                }
            }
            runs.insertRecords(c, keep, lines);
            for (String id : runIds) {
                PgDispatcher.notify(c, PgStore.DONE_CHANNEL, id);
            }
            c.commit();
        }
        for (Pending p : batch) {
            boolean kept = held.contains(AttemptKey.of(p.record()));
            if (!kept) {
                synchronized (this) {
                    discarded++;
                }
                messages.accept("warning: the record of " + p.record().sessionId() + " attempt " + p.record().attempt()
                        + " (" + p.record().outcome().label() + ", " + dev.metaorch.common.Money.format(p.record().costNanos())
                        + ") was discarded: this worker no longer held the attempt (its lease expired and it was recorded "
                        + "lost, or the run withdrew it)");
            }
            p.done().complete(kept);
        }
    }

    @Override
    public void close() {
        closed = true;
        writers.forEach(Thread::interrupt);
        try {
            for (Thread t : writers) {
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

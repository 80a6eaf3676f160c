package dev.metaorch.store;

import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.Task;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.BudgetGate;
import dev.metaorch.runner.SessionExecutor;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionLogReader;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postgresql.PGConnection;

/**
 * The coordinator's side of the work queue (ADR-181): instead of running a job, it enqueues the
 * job's attempt in {@code attempts}, where workers on any machine claim it, and completes the
 * job's future when the attempt's record lands in {@code records} (taken once, by marking it
 * collected: the records the coordinator's replay read were marked so by {@code syncLocalLog}). Retries are issued here, each
 * after a new reservation from the run's budget gate; an attempt whose lease expired is recorded
 * lost ({@link LostAttempts}) and issued again under the next attempt number, without using up a
 * retry. Stopping withdraws the queued attempts and tells workers ({@code NOTIFY metaorch_stop})
 * to cancel the claimed ones, whose records then land as cancelled.
 * <p>Threads: an enqueuer writes queued attempts in batches (one transaction, one commit per
 * batch, with the gate's spend and reservations written to the run row); a collector reads the
 * records after the last one it saw whenever a {@code NOTIFY metaorch_done} arrives (and every
 * 200 ms without one), and scavenges expired leases. Every landed record is first appended to
 * the coordinator's local log ({@code mirror}), then settled in the gate, then handed on.
 */
public final class PgDispatcher implements SessionExecutor {
    private static final int BATCH = 512;

    private record Enqueue(SessionJob job, int attempt, long reserveNanos) {
    }

    private static final class JobState {
        final SessionJob job;
        final CompletableFuture<SessionRecord> future = new CompletableFuture<>();
        int attempt;
        int lastAttempt;
        BudgetGate.Reservation reservation;
        SessionRecord last;

        JobState(SessionJob job, int attempt, int lastAttempt, BudgetGate.Reservation reservation) {
            this.job = job;
            this.attempt = attempt;
            this.lastAttempt = lastAttempt;
            this.reservation = reservation;
        }
    }

    private final PgStore store;
    private final PgRuns runs;
    private final String runId;
    private final long runSeed;
    private final BudgetGate gate;
    private final int retries;
    private final long backoffMs;
    private final Map<String, ArmSetup> arms;
    private final Consumer<List<String>> mirror;
    private final Consumer<String> messages;

    private final Object lock = new Object();
    private final Object enqueueLock = new Object();
    private final Map<AttemptKey.SessionKey, JobState> jobs = new HashMap<>();
    /** Records that landed before their job was submitted (a resumed coordinator adopting attempts). */
    private final Map<AttemptKey, SessionRecord> early = new HashMap<>();
    private final LinkedBlockingQueue<Enqueue> toEnqueue = new LinkedBlockingQueue<>();
    /** Each task's JSON, written once (the enqueuer's thread only): a run queues the same few tasks thousands of times. */
    private final Map<Task, String> taskJson = new IdentityHashMap<>();
    private final ScheduledExecutorService backoff;
    private final Thread enqueuer;
    private final Thread collector;
    private final QueueVacuum vacuum;
    private volatile boolean stopping;
    private volatile boolean closed;
    /** Another coordinator took the run ({@link #abandon}): nothing more is written or collected. */
    private volatile boolean abandoned;
    private volatile Throwable failure;

    /**
     * @param mirror appends landed records (their exact lines, in the store's order) durably to the
     *     coordinator's local log, all of a collected batch at once (may throw)
     */
    public PgDispatcher(PgStore store, String runId, long runSeed, BudgetGate gate, int retries, long backoffMs,
            Map<String, ArmSetup> arms, Consumer<List<String>> mirror, Consumer<String> messages) {
        this.store = store;
        this.runs = new PgRuns(store);
        this.runId = runId;
        this.runSeed = runSeed;
        this.gate = gate;
        this.retries = retries;
        this.backoffMs = backoffMs;
        this.arms = Map.copyOf(arms);
        this.mirror = mirror;
        this.messages = messages;
        this.backoff = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "store-retry-backoff"));
        // an earlier launch loop of this run (the main test before a guard, a stopped coordinator) left it stopping
        retrying("open run " + runId + " for work", () -> {
            try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(
                    "update runs set state = 'running', updated_at = now() where run_id = ?")) {
                ps.setString(1, runId);
                ps.executeUpdate();
            }
        });
        this.vacuum = new QueueVacuum(store, messages);
        this.enqueuer = daemon(this::enqueueLoop, "store-enqueuer");
        this.collector = daemon(this::collectLoop, "store-collector");
        enqueuer.start();
        collector.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public CompletableFuture<SessionRecord> submit(SessionJob job, int firstAttempt, BudgetGate.Reservation reservation) {
        rethrow();
        if (reservation == null || stopping) {
            gate.release(reservation);
            return CompletableFuture.completedFuture(null);
        }
        JobState st = new JobState(job, firstAttempt, Math.max(firstAttempt, retries + 1), reservation);
        AttemptKey.SessionKey key = new AttemptKey.SessionKey(job.arm().arm(), job.pair(), job.repeat());
        synchronized (lock) {
            jobs.put(key, st);
            SessionRecord landed = early.remove(new AttemptKey(runId, key.arm(), key.pair(), key.repeat(), firstAttempt));
            if (landed != null) {
                // its cost was spent when it landed; the reservation made for it is not needed
                gate.release(st.reservation);
                st.reservation = null;
                next(key, st, landed);
                return st.future;
            }
        }
        toEnqueue.add(new Enqueue(job, firstAttempt, reservation.nanos()));
        return st.future;
    }

    @Override
    public int inFlight() {
        synchronized (lock) {
            return jobs.size();
        }
    }

    @Override
    public boolean shuttingDown() {
        return false;
    }

    @Override
    public void cancelAll(String reason) {
        if (abandoned) {
            stopping = true;
            synchronized (lock) {
                for (var e : List.copyOf(jobs.entrySet())) {
                    gate.release(e.getValue().reservation);
                    e.getValue().reservation = null;
                    complete(e.getKey(), e.getValue(), e.getValue().last);
                }
                lock.notifyAll();
            }
            return;
        }
        List<AttemptKey> withdrawn = new ArrayList<>();
        synchronized (enqueueLock) {
            if (stopping) {
                return;
            }
            stopping = true;
            retrying("stop run " + runId, () -> {
                withdrawn.clear();
                try (Connection c = store.connection()) {
                    c.setAutoCommit(false);
                    try (PreparedStatement ps = c.prepareStatement(
                            "update runs set state = 'stopping', updated_at = now() where run_id = ? and state = 'running'")) {
                        ps.setString(1, runId);
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps = c.prepareStatement("update attempts set state = 'withdrawn', ended_at = now() "
                            + "where run_id = ? and state = 'queued' returning arm, pair, repeat, attempt")) {
                        ps.setString(1, runId);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                withdrawn.add(new AttemptKey(runId, rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getInt(4)));
                            }
                        }
                    }
                    notify(c, PgStore.STOP_CHANNEL, runId);
                    c.commit();
                }
            });
            List<Enqueue> pending = new ArrayList<>();
            toEnqueue.drainTo(pending);
            pending.forEach(e -> withdrawn.add(new AttemptKey(runId, e.job().arm().arm(), e.job().pair(),
                    e.job().repeat(), e.attempt())));
        }
        synchronized (lock) {
            for (AttemptKey k : withdrawn) {
                JobState st = jobs.get(k.session());
                if (st != null && st.attempt == k.attempt()) {
                    gate.release(st.reservation);
                    st.reservation = null;
                    complete(k.session(), st, st.last);
                }
            }
        }
    }

    /**
     * Another coordinator took the run's lock (while this one's connection was cut): the run is
     * left to it. Nothing more is written to the store (no attempt queued, no stop, no withdrawal,
     * no spend) nor collected from it; the interrupt that follows ({@link #cancelAll}) ends the
     * jobs in flight with their last record, as withdrawn ones.
     */
    void abandon() {
        abandoned = true;
    }

    /**
     * Waits until no attempt of the run is claimed (their records landed, or their leases expired)
     * and every record written was collected into the local log, then stops.
     */
    @Override
    public void close() {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        try {
            while (failure == null && !abandoned && System.nanoTime() < end && claimedOrQueued() > 0) {
                synchronized (lock) {
                    lock.wait(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!abandoned) {
            retrying("record the spend of run " + runId, () -> {
                try (Connection c = store.connection()) {
                    writeGate(c);
                }
            });
        }
        closed = true;
        enqueuer.interrupt();
        collector.interrupt();
        backoff.shutdownNow();
        vacuum.close();
        try {
            enqueuer.join(5000);
            collector.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long claimedOrQueued() {
        // and every record written has been collected (a late record of an attempt no job waits for)
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("select (select count(*) "
                + "from attempts where run_id = ? and (state = 'claimed' or (state = 'queued' and ?))) + (select count(*) "
                + "from records where run_id = ? and not collected)")) {
            ps.setString(1, runId);
            ps.setBoolean(2, !stopping);
            ps.setString(3, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            return 1; // the store is away for a moment: look again
        }
    }

    private void rethrow() {
        Throwable f = failure;
        if (f != null) {
            throw f instanceof MetaorchException me ? me : MetaorchException.runtime(String.valueOf(f.getMessage()), f);
        }
    }

    // ---- enqueuer ----

    private void enqueueLoop() {
        List<Enqueue> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.clear();
                batch.add(toEnqueue.take());
                toEnqueue.drainTo(batch, BATCH - 1);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            synchronized (enqueueLock) {
                if (stopping) {
                    withdrawLocally(batch);
                    continue;
                }
                if (abandoned) {
                    continue; // the run is another coordinator's: the interrupt that follows ends these jobs
                }
                try {
                    retrying("queue " + batch.size() + " attempts of run " + runId, () -> insertAttempts(batch));
                } catch (RuntimeException e) {
                    failure = e;
                    failAll(e);
                    return;
                }
            }
        }
    }

    private void withdrawLocally(List<Enqueue> batch) {
        synchronized (lock) {
            for (Enqueue e : batch) {
                AttemptKey.SessionKey k = new AttemptKey.SessionKey(e.job().arm().arm(), e.job().pair(), e.job().repeat());
                JobState st = jobs.get(k);
                if (st != null && st.attempt == e.attempt()) {
                    gate.release(st.reservation);
                    st.reservation = null;
                    complete(k, st, st.last);
                }
            }
        }
    }

    private void insertAttempts(List<Enqueue> batch) throws SQLException {
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into attempts (run_id, arm, pair, repeat, attempt, task, "
                    + "state, reserve_nano_usd) values (?, ?, ?, ?, ?, ?::jsonb, 'queued', ?) "
                    // queued again: an attempt withdrawn by a stop (never handed out); adopted: one queued or claimed
                    + "on conflict (run_id, arm, pair, repeat, attempt) do update set state = 'queued', "
                    + "reserve_nano_usd = excluded.reserve_nano_usd, queued_at = now() where attempts.state = 'withdrawn'")) {
                for (Enqueue e : batch) {
                    ps.setString(1, runId);
                    ps.setString(2, e.job().arm().arm());
                    ps.setLong(3, e.job().pair());
                    ps.setInt(4, e.job().repeat());
                    ps.setInt(5, e.attempt());
                    ps.setString(6, taskJson.computeIfAbsent(e.job().task(), Json::line));
                    ps.setLong(7, e.reserveNanos());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            writeGate(c);
            notify(c, PgStore.WORK_CHANNEL, runId);
            c.commit();
        }
    }

    /** The gate's spend and reservations, on the run row (what {@code experiments --store} and a teammate see). */
    private void writeGate(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update runs set spend_nano_usd = ?, reserved_nano_usd = ?, "
                + "updated_at = now() where run_id = ?")) {
            ps.setLong(1, gate.spentNanos());
            ps.setLong(2, Math.max(0, gate.reservedNanos()));
            ps.setString(3, runId);
            ps.executeUpdate();
        }
    }

    static void notify(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    // ---- collector ----

    private void collectLoop() {
        Connection listener = null;
        long nextScavenge = 0;
        long nextWorkerCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!closed && !abandoned) {
            try {
                if (listener == null) {
                    listener = store.listenerConnection();
                    try (var st = listener.createStatement()) {
                        st.execute("listen " + PgStore.DONE_CHANNEL);
                    }
                }
                listener.unwrap(PGConnection.class).getNotifications(200);
                collect();
                if (System.nanoTime() >= nextScavenge) {
                    scavenge();
                    nextScavenge = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                }
                if (System.nanoTime() >= nextWorkerCheck) {
                    checkWorkersAlive();
                    nextWorkerCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                }
            } catch (RuntimeException e) {
                if (e.getCause() instanceof SQLException sql && PgStore.transientFailure(sql) && !closed) {
                    PgStore.closeQuietly(listener);
                    listener = null;
                    PgStore.pause(500);
                    continue;
                }
                failure = e; // an unreadable record, a mirror that cannot write: the run stops
                failAll(e);
                break;
            } catch (SQLException e) {
                if (closed) {
                    break;
                }
                if (!PgStore.transientFailure(e)) {
                    failure = MetaorchException.runtime(store.url() + ": run " + runId + ": "
                            + PgStore.firstLine(e.getMessage()), e);
                    failAll(failure);
                    break;
                }
                PgStore.closeQuietly(listener);
                listener = null;
                PgStore.pause(500); // the store went away (connection cut, restart): connect again
            }
        }
        PgStore.closeQuietly(listener);
    }

    private void collect() throws SQLException {
        List<String> lines;
        try (Connection c = store.connection()) {
            lines = runs.collectRecords(c, runId);
        }
        if (lines.isEmpty()) {
            return;
        }
        List<SessionRecord> landed = new ArrayList<>(lines.size());
        for (String line : lines) {
            try {
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                landed.add(SessionLogReader.parseLine(bytes, 0, bytes.length)); // as the log reader reads it
            } catch (IOException e) {
                throw MetaorchException.runtime(store.url() + ": records of " + runId + ": unreadable record: "
                        + e.getMessage(), e);
            }
        }
        // into the local log first, all with one force (one force per record capped a run at ~200 sessions/s)
        mirror.accept(lines);
        landed.forEach(this::land);
        vacuum.collected(lines.size());
    }

    /** Said once while no worker is alive on the store and attempts of this run wait (said again after one came). */
    private boolean saidNoWorker;

    private void checkWorkersAlive() throws SQLException {
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("select (select count(*) from "
                + "workers where stopped_at is null and heartbeat > now() - make_interval(secs => coalesce(lease_s, 60))), "
                + "(select count(*) from attempts where run_id = ? and state = 'queued')")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long alive = rs.getLong(1);
                long queued = rs.getLong(2);
                if (alive == 0 && queued > 0 && !saidNoWorker) {
                    messages.accept("warning: no `metaorch worker` is alive on " + store.url() + " and " + queued
                            + " attempt(s) of run " + runId + " wait; start one: metaorch worker --store '" + store.url()
                            + "'");
                    saidNoWorker = true;
                } else if (alive > 0) {
                    saidNoWorker = false;
                }
            }
        }
    }

    /** Marks attempts whose lease expired lost, with a record each, in one transaction. */
    private void scavenge() throws SQLException {
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            List<SessionRecord> lost = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("update attempts set state = 'lost', ended_at = now() "
                    + "where run_id = ? and state = 'claimed' and lease_until < now() "
                    + "returning arm, pair, repeat, attempt, task::text, worker, claimed_at")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        AttemptKey k = new AttemptKey(runId, rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getInt(4));
                        ArmSetup arm = arms.get(k.arm());
                        Task task = Json.mapper().readValue(rs.getString(5), Task.class);
                        lost.add(LostAttempts.record(k, arm, task, runSeed, rs.getString(6),
                                rs.getTimestamp(7) == null ? null : rs.getTimestamp(7).toInstant()));
                    }
                }
            } catch (IOException e) {
                c.rollback();
                throw MetaorchException.runtime(store.url() + ": attempts of " + runId + ": " + e.getMessage(), e);
            }
            // arms adopted by a worker that stopped, or stopped beating, pass to the next claimant once the
            // attempts it lost are queued again (so that the next worker finds the arm's lowest pairs first)
            try (PreparedStatement ps = c.prepareStatement("update run_arms ra set worker = null from workers w "
                    + "where ra.run_id = ? and ra.worker is not null and w.worker_id = ra.worker and (w.stopped_at is not null "
                    + "or w.heartbeat < now() - make_interval(secs => coalesce(w.lease_s, 60))) and not exists (select 1 "
                    + "from attempts l where l.run_id = ra.run_id and l.arm = ra.arm and l.worker = ra.worker and "
                    + "(l.state = 'claimed' or (l.state = 'lost' and not exists (select 1 from attempts n where n.run_id = "
                    + "l.run_id and n.arm = l.arm and n.pair = l.pair and n.repeat = l.repeat and n.attempt > l.attempt))))")) {
                ps.setString(1, runId);
                if (ps.executeUpdate() > 0 && lost.isEmpty()) {
                    c.commit();
                    return;
                }
            }
            if (lost.isEmpty()) {
                c.rollback();
                return;
            }
            runs.insertRecords(c, lost, lost.stream().map(Json::line).toList());
            notify(c, PgStore.DONE_CHANNEL, runId);
            c.commit();
            messages.accept("warning: " + lost.size() + " attempt(s) of run " + runId + " lost: their worker's lease "
                    + "expired (" + lost.get(0).error().message() + "); each is issued again");
        }
    }

    /** A record landed (and is in the local log): into the gate, then retried, issued again, or handed on. */
    private void land(SessionRecord r) {
        synchronized (lock) {
            AttemptKey k = AttemptKey.of(r);
            JobState st = jobs.get(k.session());
            if (st == null || st.attempt != r.attempt()) {
                gate.settle(null, r.costNanos());
                if (st == null) {
                    early.put(k, r);
                }
                lock.notifyAll();
                return;
            }
            gate.settle(st.reservation, r.costNanos());
            st.reservation = null;
            next(k.session(), st, r);
            lock.notifyAll();
        }
    }

    private void next(AttemptKey.SessionKey key, JobState st, SessionRecord r) {
        st.last = r;
        boolean lostOrDropped = r.outcome() == Outcome.CANCELLED && !stopping;
        if (stopping || closed) {
            complete(key, st, r);
        } else if (lostOrDropped) {
            // a lost attempt, or one its worker cancelled on shutting down: not the session's fault
            st.lastAttempt++;
            reissue(key, st);
        } else if (r.outcome().isInfrastructure() && r.attempt() < st.lastAttempt) {
            long ms = Math.min(30_000L, backoffMs << Math.min(20, r.attempt() - 1));
            backoff.schedule(() -> {
                synchronized (lock) {
                    if (jobs.get(key) == st && st.reservation == null && !stopping) {
                        reissue(key, st);
                    } else if (jobs.get(key) == st && stopping) {
                        complete(key, st, st.last);
                    }
                }
            }, ms, TimeUnit.MILLISECONDS);
        } else {
            complete(key, st, r);
        }
    }

    private void reissue(AttemptKey.SessionKey key, JobState st) {
        BudgetGate.Reservation res = gate.tryReserve(key.arm());
        if (res == null) {
            complete(key, st, st.last);
            return;
        }
        st.attempt++;
        st.reservation = res;
        SessionRecord landed = early.remove(new AttemptKey(runId, key.arm(), key.pair(), key.repeat(), st.attempt));
        if (landed != null) {
            gate.release(res);
            st.reservation = null;
            next(key, st, landed);
            return;
        }
        toEnqueue.add(new Enqueue(st.job, st.attempt, res.nanos()));
    }

    private void complete(AttemptKey.SessionKey key, JobState st, SessionRecord r) {
        if (jobs.remove(key, st)) {
            st.future.complete(r);
        }
    }

    private void failAll(Throwable e) {
        synchronized (lock) {
            for (JobState st : List.copyOf(jobs.values())) {
                st.future.completeExceptionally(e);
            }
            jobs.clear();
        }
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    /** Runs {@code action} until it succeeds: a cut connection or a restarting server is waited out. */
    private void retrying(String what, SqlAction action) {
        long delay = 100;
        int tries = 0;
        while (true) {
            try {
                action.run();
                return;
            } catch (SQLException e) {
                if (!PgStore.transientFailure(e)) {
                    throw MetaorchException.runtime(store.url() + ": cannot " + what + ": "
                            + PgStore.firstLine(e.getMessage()), e);
                }
                tries++;
                if (tries == 1 || tries % 20 == 0) {
                    messages.accept("warning: " + store.url() + ": cannot " + what + " (" + PgStore.firstLine(e.getMessage())
                            + "); trying again");
                }
                if (closed && tries > 3) {
                    return;
                }
                PgStore.pause(delay);
                delay = Math.min(2000, delay * 2);
            }
        }
    }

}

package dev.metaorch.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.Task;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.BudgetGate;
import dev.metaorch.runner.RunnerOptions;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionRunner;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@code metaorch worker}: claims attempts of running runs from the store and runs them with the
 * same runner and variants as a local run (ADR-181). Claims take up to the free slots at once
 * ({@code FOR UPDATE SKIP LOCKED}, in the order the coordinator queued them); each claim holds a
 * lease that a heartbeat renews every third of its length; records go through a
 * {@link PgRecordSink}. The worker sleeps on {@code LISTEN metaorch_work} when there is nothing
 * to claim, and cancels a run's sessions when {@code NOTIFY metaorch_stop} names it (a heartbeat
 * also looks, in case a notification was missed while a connection was down).
 */
public final class Worker implements AutoCloseable {
    /** What a worker has done so far. */
    public record Stats(long claimed, long finished, long discarded) {
    }

    /** {@code tasks}: each task read once from its JSON (a run queues the same few tasks thousands of times). */
    private record RunContext(String runId, Map<String, ArmSetup> arms, SessionRunner runner, Map<String, Task> tasks,
            Set<String> startedArms) {
    }

    private final PgStore store;
    private final PgRuns runs;
    private final VariantRegistry registry;
    private final int concurrency;
    private final Duration lease;
    private final Path logRoot;
    private final Consumer<String> messages;
    private final String id;
    private final PgRecordSink sink;
    private final Semaphore slots;
    private final Map<String, RunContext> contexts = new ConcurrentHashMap<>();
    /** Runs this worker cannot run (a variant it lacks, an arm it cannot read): it claims none of their attempts. */
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final Thread heartbeat;
    private volatile boolean stopped;
    private final Object wake = new Object();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    public Worker(PgStore store, VariantRegistry registry, int concurrency, Duration lease, Path logRoot,
            Consumer<String> messages) {
        if (concurrency < 1 || concurrency > 4096) {
            throw MetaorchException.invalidInput("--concurrency: must be in 1..4096, got " + concurrency);
        }
        if (lease.toMillis() < 1000) {
            throw MetaorchException.invalidInput("--lease-s: must be at least 1 second, got " + lease.toMillis() / 1000.0);
        }
        this.store = store;
        this.runs = new PgRuns(store);
        this.registry = registry;
        this.concurrency = concurrency;
        this.lease = lease;
        this.logRoot = logRoot;
        this.messages = messages;
        this.id = host() + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
        this.sink = new PgRecordSink(store, id, messages);
        this.slots = new Semaphore(concurrency);
        register();
        this.heartbeat = new Thread(this::heartbeatLoop, "worker-heartbeat");
        this.heartbeat.setDaemon(true);
        this.heartbeat.start();
    }

    public String id() {
        return id;
    }

    public Stats stats() {
        return new Stats(claimed.get(), finished.get(), sink.discarded());
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    private void register() {
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("insert into workers "
                + "(worker_id, host, pid, concurrency, lease_s) values (?, ?, ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, host());
            ps.setLong(3, ProcessHandle.current().pid());
            ps.setInt(4, concurrency);
            ps.setDouble(5, lease.toMillis() / 1000.0);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw runs.fail("register worker " + id, e);
        }
    }

    /**
     * Claims and runs attempts until {@link #stop} (or, with {@code idleExit} set, until nothing
     * was claimable for that long). Returns what it did.
     */
    public Stats run(Duration idleExit) {
        Connection listener = null;
        long idleSince = System.nanoTime();
        while (!stopped) {
            try {
                if (listener == null) {
                    listener = store.listenerConnection();
                    try (var st = listener.createStatement()) {
                        st.execute("listen " + PgStore.WORK_CHANNEL);
                        st.execute("listen " + PgStore.STOP_CHANNEL);
                    }
                }
                handle(listener.unwrap(PGConnection.class).getNotifications(1));
                int free = slots.availablePermits();
                int got = 0;
                if (free > 0) {
                    got = claim(free);
                }
                store.back(messages);
                if (got > 0 || slots.availablePermits() < concurrency) {
                    idleSince = System.nanoTime();
                }
                if (idleExit != null && System.nanoTime() - idleSince > idleExit.toNanos()) {
                    break;
                }
                if (got == 0 || slots.availablePermits() == 0) {
                    // nothing to claim, or no slot free: sleep until work is queued, a slot frees, or a second passes
                    if (slots.availablePermits() == 0) {
                        synchronized (wake) {
                            if (slots.availablePermits() == 0 && !stopped) {
                                wake.wait(1000);
                            }
                        }
                    } else {
                        handle(listener.unwrap(PGConnection.class).getNotifications(1000));
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (stopped) {
                    break;
                }
                if (sqlCause(e) instanceof SQLException sql && PgStore.transientFailure(sql)) {
                    store.away(messages, "claim work", sql); // said once per outage, not every half second
                } else {
                    messages.accept("warning: " + store.url() + ": " + PgStore.firstLine(String.valueOf(e.getMessage()))
                            + "; connecting again");
                }
                PgStore.closeQuietly(listener);
                listener = null;
                PgStore.pause(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        PgStore.closeQuietly(listener);
        return stats();
    }

    private void handle(PGNotification[] notes) {
        if (notes == null) {
            return;
        }
        for (PGNotification n : notes) {
            if (PgStore.STOP_CHANNEL.equals(n.getName())) {
                stopRun(n.getParameter());
            }
        }
    }

    /** A run stopped launching: its sessions here are cancelled, and a later claim of it starts afresh. */
    private void stopRun(String runId) {
        RunContext ctx = contexts.remove(runId);
        if (ctx != null) {
            ctx.runner().cancelAll("run " + runId + " stopped");
            Thread closer = new Thread(ctx.runner()::close, "worker-close-" + runId);
            closer.setDaemon(true);
            closer.start();
        }
    }

    /**
     * One statement: adopt at most one free arm that must run on one worker (ADR-184) and has work
     * queued ({@code adopt}; SKIP LOCKED, so two workers never adopt the same arm), then claim up to
     * the free slots of the queued attempts, lowest pair first (a lost attempt issued again goes
     * before later pairs), of arms that may run anywhere or are this worker's, of runs it has not
     * refused (params: worker, refused runs, refused runs, worker, limit, worker, lease seconds).
     */
    private static final String CLAIM = "with adopt as (update run_arms ra set worker = ? from ("
            + "select fa.run_id, fa.arm from run_arms fa join runs fr on fr.run_id = fa.run_id "
            + "where fr.state = 'running' and fa.one_worker and fa.worker is null and not (fa.run_id = any(?)) "
            + "and exists (select 1 from attempts q "
            + "where q.run_id = fa.run_id and q.arm = fa.arm and q.state = 'queued') "
            + "order by fa.run_id, fa.arm limit 1 for update of fa skip locked) f "
            + "where ra.run_id = f.run_id and ra.arm = f.arm returning ra.run_id, ra.arm), "
            + "c as (select a.run_id, a.arm, a.pair, a.repeat, a.attempt from attempts a "
            + "join runs r on r.run_id = a.run_id join run_arms ra on ra.run_id = a.run_id and ra.arm = a.arm "
            + "where a.state = 'queued' and r.state = 'running' and not (a.run_id = any(?)) "
            + "and (not ra.one_worker or ra.worker = ? "
            + "or exists (select 1 from adopt d where d.run_id = a.run_id and d.arm = a.arm)) "
            + "order by a.pair, a.seq limit ? for update of a skip locked) "
            + "update attempts t set state = 'claimed', worker = ?, claims = t.claims + 1, claimed_at = now(), "
            + "lease_until = now() + make_interval(secs => ?) from c where t.run_id = c.run_id and t.arm = c.arm "
            + "and t.pair = c.pair and t.repeat = c.repeat and t.attempt = c.attempt "
            + "returning t.run_id, t.arm, t.pair, t.repeat, t.attempt, t.task::text";

    private int claim(int free) throws SQLException {
        if (!slots.tryAcquire(free)) {
            return 0;
        }
        List<Object[]> rows = new ArrayList<>();
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(CLAIM)) {
            Array refusedRuns = c.createArrayOf("text", refused.toArray());
            ps.setString(1, id);
            ps.setArray(2, refusedRuns);
            ps.setArray(3, refusedRuns);
            ps.setString(4, id);
            ps.setInt(5, free);
            ps.setString(6, id);
            ps.setDouble(7, lease.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Object[] {new AttemptKey(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4),
                        rs.getInt(5)), rs.getString(6)});
                }
            }
        } catch (SQLException | RuntimeException e) {
            slots.release(free);
            throw e;
        }
        slots.release(free - rows.size());
        claimed.addAndGet(rows.size());
        // the lowest pair claimed of each arm: where a stateful arm's instance starts (claims take the lowest first)
        Map<String, Long> lowest = new HashMap<>();
        for (Object[] row : rows) {
            AttemptKey k = (AttemptKey) row[0];
            lowest.merge(k.runId() + "\u0000" + k.arm(), k.pair(), Math::min);
        }
        for (Object[] row : rows) {
            AttemptKey k = (AttemptKey) row[0];
            start(k, (String) row[1], lowest.get(k.runId() + "\u0000" + k.arm()));
        }
        return rows.size();
    }

    private void start(AttemptKey k, String taskJson, long lowestClaimedPair) {
        RunContext ctx = null;
        Task task;
        try {
            while (ctx == null) {
                try {
                    ctx = context(k.runId());
                } catch (MetaorchException e) {
                    // the store went away while the run was read (a restart): wait, the claim held and its lease
                    // renewed; given up, it would stay claimed, renewed by the heartbeat, and the run would wait for it
                    if (stopped || !(e.getCause() instanceof SQLException sql) || !PgStore.transientFailure(sql)) {
                        throw e;
                    }
                    store.away(messages, "read run " + k.runId(), sql);
                    PgStore.pause(500);
                }
            }
            task = ctx.tasks().get(taskJson);
            if (task == null) {
                task = Json.mapper().readValue(taskJson, Task.class);
                ctx.tasks().put(taskJson, task);
            }
        } catch (IOException | RuntimeException e) {
            refuse(k, e);
            slots.release();
            return;
        }
        ArmSetup arm = ctx.arms().get(k.arm());
        if (arm.variant().keepsStateAcrossSessions() && ctx.startedArms().add(k.arm())) {
            // this instance takes the arm over at its lowest queued pair: earlier ones ran on another worker, or none did
            arm.variant().startAt(lowestClaimedPair);
        }
        SessionJob job = new SessionJob(arm, k.pair(), k.repeat(), task);
        ctx.runner().submit(job, k.attempt(), new BudgetGate.Reservation(k.arm(), 0)).whenComplete((r, e) -> {
            if (e != null) {
                messages.accept("error: " + job.sessionId(k.runId()) + " attempt " + k.attempt() + ": " + e.getMessage());
            }
            finished.incrementAndGet();
            slots.release();
            synchronized (wake) {
                wake.notifyAll();
            }
        });
    }

    /**
     * This worker cannot run the run (say, it lacks a variant's plugin): it claims none of its
     * attempts from now on, and gives this one back by ending its lease, so that the coordinator
     * records it lost and issues it again for another worker. (Kept claimed, the heartbeat would
     * renew its lease for ever and the run would wait for it.)
     */
    private void refuse(AttemptKey k, Exception e) {
        if (refused.add(k.runId())) {
            messages.accept("error: run " + k.runId() + ": this worker cannot run it (" + e.getMessage()
                    + "); it claims none of its attempts, and gives back those it holds");
        }
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("update attempts set "
                + "lease_until = now() where run_id = ? and arm = ? and pair = ? and repeat = ? and attempt = ? "
                + "and worker = ? and state = 'claimed'")) {
            ps.setString(1, k.runId());
            ps.setString(2, k.arm());
            ps.setLong(3, k.pair());
            ps.setInt(4, k.repeat());
            ps.setInt(5, k.attempt());
            ps.setString(6, id);
            ps.executeUpdate();
        } catch (SQLException ex) {
            // the heartbeat no longer renews it: its lease runs out
        }
    }

    private RunContext context(String runId) {
        return contexts.computeIfAbsent(runId, id -> {
            PgRuns.RunRow row = runs.run(id).orElseThrow(() -> MetaorchException.runtime("run " + id + " is not in the store"));
            ObjectNode o = row.runner();
            Path runDir = logRoot.resolve(id);
            Map<String, ArmSetup> arms = new HashMap<>();
            runs.arms(id).forEach((name, spec) -> arms.put(name, spec.setup(registry, runDir.resolve("logs"))));
            RunnerOptions options = new RunnerOptions(concurrency, o.path("timeout_s").asDouble(600), 0,
                    o.path("backoff_ms").asLong(1000), o.path("max_steps").asInt(100),
                    o.path("max_cost_usd").asDouble(Double.MAX_VALUE), runDir.resolve("logs"));
            SessionRunner runner = new SessionRunner(sink, id, row.seed(), options, r -> { }, BudgetGate.unlimited());
            return new RunContext(id, arms, runner, new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet());
        });
    }

    private void heartbeatLoop() {
        long every = Math.max(200, lease.toMillis() / 3);
        while (!stopped) {
            PgStore.pause(every);
            if (stopped) {
                return;
            }
            try (Connection c = store.connection()) {
                try (PreparedStatement ps = c.prepareStatement("update attempts set lease_until = now() + make_interval(secs => ?) "
                        + "where worker = ? and state = 'claimed' and not (run_id = any(?))")) {
                    ps.setDouble(1, lease.toMillis() / 1000.0);
                    ps.setString(2, id);
                    ps.setArray(3, c.createArrayOf("text", refused.toArray()));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("update workers set heartbeat = now() where worker_id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                if (!contexts.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "select run_id from runs where run_id = any(?) and state <> 'running'")) {
                        ps.setArray(1, c.createArrayOf("text", contexts.keySet().toArray()));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                stopRun(rs.getString(1));
                            }
                        }
                    }
                }
                store.back(messages);
            } catch (SQLException | RuntimeException e) {
                if (sqlCause(e) instanceof SQLException sql && PgStore.transientFailure(sql)) {
                    store.away(messages, "renew the leases of worker " + id, sql);
                } else {
                    messages.accept("warning: worker heartbeat: " + PgStore.firstLine(String.valueOf(e.getMessage())));
                }
            }
        }
    }

    private static Throwable sqlCause(Exception e) {
        return e instanceof SQLException ? e : e.getCause();
    }

    /** Stops claiming; {@link #close} then cancels what runs. */
    public void stop() {
        stopped = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /**
     * Stops claiming and waits for the sessions in flight (at most {@code grace}), then cancels
     * the rest: their records say cancelled and the coordinator issues them again.
     */
    public void close(Duration grace) {
        if (!closing.compareAndSet(false, true)) {
            // closed already or being closed (SIGTERM's hook, then the command): wait for that one
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            closeOnce(grace);
        } finally {
            closed.countDown();
        }
    }

    private void closeOnce(Duration grace) {
        stop();
        long end = System.nanoTime() + grace.toNanos();
        while (slots.availablePermits() < concurrency && System.nanoTime() < end) {
            PgStore.pause(20);
        }
        contexts.values().forEach(ctx -> ctx.runner().cancelAll("worker " + id + " stopped"));
        contexts.values().forEach(ctx -> ctx.runner().close());
        try {
            slots.tryAcquire(concurrency, 10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sink.close();
        heartbeat.interrupt();
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(
                "update workers set stopped_at = now() where worker_id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
            runs.releaseArms(c, null, List.of(id)); // another worker adopts them (their in-memory state is gone)
        } catch (SQLException e) {
            // the store is away: the heartbeat's age says the same
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }

}

package dev.metaorch.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.BudgetGate;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postgresql.PGConnection;

/**
 * The store side of a coordinated run (ADR-181): publishes a new run (its row, its arms for the
 * workers, its folder's files, its hashes), holds the run's coordinator lock (a PostgreSQL
 * advisory lock on a connection of its own: a killed coordinator's lock goes with its
 * connection, so another process on any machine can resume), brings a local folder up to date
 * from the store on resume, and starts this process's own worker.
 */
public final class StoreCoordinator implements dev.metaorch.runner.TeamRun {
    private final TeamOptions options;
    private final PgStore store;
    private final PgRuns runs;
    private final Consumer<String> messages;
    private volatile Connection lockConnection;
    /** The backend (server process) of {@link #lockConnection}: the lock's holder while this coordinator has it. */
    private volatile int lockBackend;
    private volatile String lockedRun;
    /** Another coordinator took the run's lock: nothing more is written to the run (it is theirs now). */
    private volatile boolean lockLost;
    private final List<PgDispatcher> dispatchers = new CopyOnWriteArrayList<>();
    private volatile Runnable onLockLost = () -> { };
    private Thread lockKeeper;
    private Worker localWorker;
    private Thread localWorkerThread;

    public StoreCoordinator(TeamOptions options, Consumer<String> messages) {
        this.options = options;
        this.store = PgStore.open(options.url(), 8, true);
        this.runs = new PgRuns(store);
        this.messages = messages;
    }

    public PgStore store() {
        return store;
    }

    public PgRuns runs() {
        return runs;
    }

    @Override
    public String storeName() {
        return options.url().toString();
    }

    /** What to do when the run's lock is lost to another coordinator (a cut connection let it go). */
    @Override
    public void onLockLost(Runnable action) {
        this.onLockLost = action;
    }

    /** The text whose {@code hashtext} is the run's advisory lock key (readers look the lock up by it). */
    static String lockName(StoreUrl url, String runId) {
        return "metaorch-run:" + url.schema() + ":" + runId;
    }

    private boolean tryLock(Connection c, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_try_advisory_lock(hashtext(?))")) {
            ps.setString(1, lockName(options.url(), runId));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The backend holding the run's lock, 0 when none does (pg_locks splits the bigint key in two oids). */
    private int lockHolder(Connection c, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pid from pg_locks where locktype = 'advisory' and granted "
                + "and objsubid = 1 and database = (select oid from pg_database where datname = current_database()) "
                + "and classid::bigint = (hashtext(?)::bigint >> 32) & 4294967295 "
                + "and objid::bigint = hashtext(?)::bigint & 4294967295")) {
            ps.setString(1, lockName(options.url(), runId));
            ps.setString(2, lockName(options.url(), runId));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /**
     * Keeps the lock: its connection is looked at every second; when it was cut (the lock went
     * with it: pg_terminate_backend, a server restart) the lock is taken again on a new connection
     * once the server answers, and if another coordinator took it meanwhile, this one stops
     * ({@link #onLockLost}) without writing to the run again (its dispatchers are abandoned). A
     * lock still held by this coordinator's own old backend (not gone yet, or a connection only
     * slow to answer) is not another coordinator's: it is looked at again a second later.
     */
    private void keepLock() {
        while (lockedRun != null) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            Connection c = lockConnection;
            try {
                if (c != null && c.isValid(2)) {
                    continue;
                }
            } catch (SQLException e) {
                // cut: take it again below
            }
            Connection fresh = null;
            try {
                fresh = store.listenerConnection();
                if (tryLock(fresh, lockedRun)) {
                    lockConnection = fresh;
                    lockBackend = fresh.unwrap(PGConnection.class).getBackendPID();
                    fresh = null;
                    PgStore.closeQuietly(c);
                    messages.accept("warning: the connection holding run " + lockedRun + "'s lock was cut; lock taken again");
                    continue;
                }
                int holder = lockHolder(fresh, lockedRun);
                if (holder == 0 || holder == lockBackend) {
                    continue; // released meanwhile, or still this coordinator's: look again
                }
                lockLost = true;
                dispatchers.forEach(PgDispatcher::abandon);
                messages.accept("error: run " + lockedRun + "'s lock was taken by another coordinator (backend " + holder
                        + ") while this one's connection was cut; stopping, and leaving the run to it");
                onLockLost.run();
                return;
            } catch (SQLException e) {
                // the store is away: look again in a second
            } finally {
                PgStore.closeQuietly(fresh);
            }
        }
    }

    /** Takes the run's coordinator lock, or refuses naming who holds it. */
    @Override
    public void lock(String runId) {
        try {
            lockConnection = store.listenerConnection();
            lockBackend = lockConnection.unwrap(PGConnection.class).getBackendPID();
            if (!tryLock(lockConnection, runId)) {
                String holder = runs.run(runId).map(PgRuns.RunRow::coordinator).orElse("another process");
                throw MetaorchException.invalidInput("run " + runId + " is coordinated by " + holder
                        + " (its lock in " + options.url() + " is held); wait for it or stop it");
            }
            try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(
                    // a finished run stays finished (a resume of it only redoes its local finish)
                    "update runs set coordinator = ?, state = case when state = 'finished' then state else 'running' end, "
                            + "updated_at = now() where run_id = ?")) {
                ps.setString(1, hostPid());
                ps.setString(2, runId);
                if (ps.executeUpdate() == 0) {
                    throw MetaorchException.invalidInput("--resume " + runId + ": the run is not in " + options.url()
                            + " (it ran on this machine only): push it with `metaorch store import` first, or resume "
                            + "it without --store");
                }
            }
            lockedRun = runId;
            lockKeeper = new Thread(this::keepLock, "run-lock-keeper");
            lockKeeper.setDaemon(true);
            lockKeeper.start();
        } catch (SQLException e) {
            throw runs.fail("lock run " + runId, e);
        }
    }

    /**
     * Who coordinates, as the run row's {@code coordinator} says it (records are collected only by
     * it); looked up once, since the collector asks at every collection.
     */
    static String hostPid() {
        String id = hostPid;
        if (id == null) {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown-host";
            }
            id = "pid " + ProcessHandle.current().pid() + " on " + host;
            hostPid = id;
        }
        return id;
    }

    private static volatile String hostPid;

    /**
     * Publishes a new run: its row (state running), its arms, the files of its folder (run.json,
     * snapshot; not the log) and the hashes of results/hashes.dict, in one transaction.
     */
    @Override
    public void publish(RunFolder folder, String kind, long seed, long capNanoUsd, ObjectNode manifest, ObjectNode runner,
            List<Arm> arms) {
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            if (!runs.insertRun(c, folder.runId(), kind, "running", seed, capNanoUsd, manifest, runner)) {
                c.rollback();
                throw MetaorchException.invalidInput("run " + folder.runId() + " is already in " + options.url()
                        + "; resume it with --resume " + folder.runId());
            }
            for (Arm a : arms) {
                runs.putArm(c, folder.runId(), ArmSpec.of(a.setup(), a.suite(), a.prices()),
                        a.setup().variant().keepsStateAcrossSessions());
            }
            putFiles(c, folder);
            HashDictionary dict = new HashDictionary(folder.resultsDir());
            runs.addHashes(c, dict.read());
            c.commit();
        } catch (SQLException e) {
            throw runs.fail("publish run " + folder.runId(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores the folder's files (not its log, logs, locks): what an export or another machine's resume writes back. */
    public void putFiles(Connection c, RunFolder folder) throws SQLException, IOException {
        for (var f : StoreImport.files(folder.dir()).entrySet()) {
            runs.putFile(c, folder.runId(), f.getKey(), Files.readAllBytes(f.getValue()));
        }
    }

    /**
     * Resuming a run on a machine that lacks its folder: writes the folder's files from the
     * store. Returns false when the folder was already here.
     */
    @Override
    public boolean materialize(RunFolder folder) throws IOException {
        if (Files.isDirectory(folder.dir())) {
            return false;
        }
        if (runs.run(folder.runId()).isEmpty()) {
            throw MetaorchException.invalidInput("--resume " + folder.runId() + ": no such run in " + folder.dir()
                    + " nor in " + options.url());
        }
        for (var e : runs.files(folder.runId()).entrySet()) {
            Path target = folder.dir().resolve(e.getKey()).normalize();
            if (!target.startsWith(folder.dir())) {
                throw MetaorchException.invalidInput(options.url() + ": run_files of " + folder.runId()
                        + ": path escapes the run folder: " + e.getKey());
            }
            Files.createDirectories(target.getParent());
            Files.write(target, e.getValue());
        }
        messages.accept("run " + folder.runId() + ": its folder was written from " + options.url());
        return true;
    }

    /**
     * Appends to the local log every record the store holds that it lacks (a coordinator killed
     * between a record's commit and its local copy, or another machine's earlier coordinator),
     * in the store's order, and marks them all collected (the replay reads them; the collector takes later ones).
     */
    @Override
    public void syncLocalLog(String runId, JsonlSessionStore local) throws IOException {
        Set<AttemptKey> have = new HashSet<>();
        local.forEach(r -> have.add(AttemptKey.of(r)), p -> { });
        int[] added = {0};
        // one snapshot: the records marked collected are exactly those read here; later ones go to the collector
        try (Connection c = store.connection()) {
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "update records set collected = true where run_id = ? and not collected")) {
                ps.setString(1, runId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("select record from records where run_id = ? order by id")) {
                ps.setFetchSize(2000);
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String line = rs.getString(1);
                        SessionRecord r = Json.mapper().readValue(line, SessionRecord.class);
                        if (have.add(AttemptKey.of(r))) {
                            local.appendLine(line);
                            added[0]++;
                        }
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw runs.fail("read the records of run " + runId, e);
        }
        if (added[0] > 0) {
            messages.accept("run " + runId + ": " + added[0] + " record(s) from " + options.url() + " added to "
                    + local.file());
        }
    }

    /** The executor of the run's sessions: the store's queue, plus this process's own worker if asked. */
    @Override
    public PgDispatcher executor(String runId, long seed, BudgetGate gate, int retries, long backoffMs,
            Map<String, ArmSetup> arms, JsonlSessionStore mirror, VariantRegistry registry,
            Path workerRoot, int runConcurrency) {
        if (lockLost) {
            throw MetaorchException.runtime("run " + runId + " is coordinated by another process now (it took the run's "
                    + "lock while this one's connection was cut)");
        }
        PgDispatcher d = new PgDispatcher(store, runId, seed, gate, retries, backoffMs, arms, lines -> {
            try {
                mirror.appendLines(lines);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, messages);
        dispatchers.add(d);
        int local = options.localWorkersFor(runConcurrency);
        if (local > 0 && localWorker == null) {
            localWorker = new Worker(store, registry, local, options.lease(), workerRoot, messages);
            localWorkerThread = new Thread(() -> localWorker.run(null), "local-worker");
            localWorkerThread.setDaemon(true);
            localWorkerThread.start();
        }
        return d;
    }

    /**
     * Records the run's end in the store (not when another coordinator took the run), waiting out a
     * restarting server or a cut connection.
     */
    @Override
    public void finish(String runId, String state, String decision, Double llr, long pairs, JsonNode result) {
        if (!lockLost) {
            patiently("record the end of run " + runId, () -> runs.finish(runId, state, decision, llr, pairs, result));
        }
    }

    public void tracker(ObjectNode entry) {
        if (!lockLost) {
            patiently("append to the tracker", () -> runs.appendTracker(entry));
        }
    }

    /**
     * Runs a write of the run's start or end, waiting out a transient failure (the server restarting,
     * a cut connection) for up to two minutes; any other failure, or a longer outage, is thrown.
     */
    private void patiently(String what, Runnable write) {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        long delay = 100;
        while (true) {
            try {
                write.run();
                store.back(messages);
                return;
            } catch (MetaorchException e) {
                if (!(e.getCause() instanceof SQLException sql) || !PgStore.transientFailure(sql)
                        || System.nanoTime() > end) {
                    throw e;
                }
                store.away(messages, what, sql);
                PgStore.pause(delay);
                delay = Math.min(2000, delay * 2);
            }
        }
    }

    @Override
    public void close() {
        if (localWorker != null) {
            localWorker.close(Duration.ofSeconds(5));
            try {
                localWorkerThread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lockedRun = null;
        if (lockKeeper != null) {
            lockKeeper.interrupt();
        }
        if (lockConnection != null) {
            try {
                lockConnection.close();
            } catch (SQLException e) {
                // the lock goes with the connection
            }
        }
        store.close();
    }
}

package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/**
 * What a server restart does to the store's clients, shown without restarting the shared server
 * (chaos {@code store-pg-restart} restarts a private one): the failures it raises are waited out,
 * a connection cut under the run's end is taken again, and a coordinator whose lock another took
 * while its connection was down stops without touching the run.
 */
class StoreReconnectTest {
    @TempDir
    Path tmp;

    private static final String[] DEMO = {"run-experiment", "--control", "configs/baseline.json", "--test",
        "configs/exp_042.json", "--quiet", "--json"};

    @Test
    void theFailuresOfARestartAreWaitedOutAndOthersAreNot() {
        // fast restart or pg_terminate_backend, immediate restart (crash), starting up or recovering, idle timeout
        for (String state : new String[] {"57P01", "57P02", "57P03", "57P05", "08006", "08001", "53300", "40001", "40P01"}) {
            assertThat(PgStore.transientFailure(new SQLException("x", state))).as(state).isTrue();
        }
        assertThat(PgStore.transientFailure(new SQLException("I/O error"))).as("no state: the driver lost the socket").isTrue();
        // the database dropped, a missing table, a broken constraint: waiting repeats them
        for (String state : new String[] {"57P04", "42P01", "23505", "22P02"}) {
            assertThat(PgStore.transientFailure(new SQLException("x", state))).as(state).isFalse();
        }
    }

    @Test
    void anOutageIsSaidOnceHoweverManyRetriesAndItsEndOnce() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("outage")) {
            List<String> said = new ArrayList<>();
            SQLException cut = new SQLException("FATAL: terminating connection due to administrator command", "57P01");
            for (int i = 0; i < 50; i++) {
                f.store().away(said::add, "write 3 record(s)", cut); // 3 writer threads, a heartbeat, a claim loop...
            }
            f.store().back(said::add);
            f.store().back(said::add);
            assertThat(said).hasSize(2);
            assertThat(said.get(0)).startsWith("warning: " + f.url() + ": cannot write 3 record(s) (FATAL: terminating "
                    + "connection due to administrator command); trying again");
            assertThat(said.get(1)).startsWith(f.url() + ": the store answers again (after ");
            // another thread's connection that died with the same restart, right after: not a new outage
            f.store().away(said::add, "claim work", cut);
            f.store().back(said::add);
            assertThat(said).hasSize(2);
        }
    }

    @Test
    void theRunsEndIsWrittenAcrossAConnectionCutUnderIt() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("end_cut")) {
            List<String> messages = new ArrayList<>();
            try (StoreCoordinator coordinator = new StoreCoordinator(new TeamOptions(f.url(), 0, Duration.ofSeconds(5)),
                    messages::add)) {
                try (Connection c = coordinator.store().connection()) {
                    coordinator.runs().insertRun(c, "r", "run-experiment", "running", 1, 0, Json.object(), Json.object());
                }
                // the pooled connection the next write gets (this thread's, used just now, so handed out unchecked) dies
                cutPooledConnection(f, coordinator.store());
                coordinator.finish("r", "finished", "accept_h1", 3.0, 32, Json.object());
                cutPooledConnection(f, coordinator.store());
                coordinator.tracker(Json.object().put("run_id", "r").put("status", "accept_h1"));
            }
            try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                    "select state, decision, (select count(*) from tracker where run_id = 'r') from runs where run_id = 'r'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("finished");
                assertThat(rs.getString(2)).isEqualTo("accept_h1");
                assertThat(rs.getInt(3)).as("one tracker line, however many tries").isEqualTo(1);
            }
        }
    }

    /** Terminates the server process behind the connection {@code store}'s pool hands this thread, and waits until it is gone. */
    private static void cutPooledConnection(TestPostgres.Fresh f, PgStore store) throws SQLException {
        int pid;
        try (Connection c = store.connection()) {
            pid = c.unwrap(PGConnection.class).getBackendPID();
        }
        try (Connection c = f.store().connection(); PreparedStatement ps = c.prepareStatement(
                "select pg_terminate_backend(?, 5000)")) {
            ps.setInt(1, pid);
            ps.execute();
        }
    }

    @Test
    void recordsAreCollectedOnlyByTheCoordinatorTheRunNames() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("collect_owner")) {
            CommandResult r = CommandResult.run(args("own", "--store", f.url().toString()));
            assertThat(r.exitCode()).as(r.err()).isZero();
            PgRuns runs = new PgRuns(f.store());
            try (Connection c = f.store().connection(); var st = c.createStatement()) {
                st.executeUpdate("update records set collected = false where run_id = 'own'");
                st.executeUpdate("update runs set coordinator = 'pid 1 on elsewhere' where run_id = 'own'");
                assertThat(runs.collectRecords(c, "own")).as("another coordinator's run").isEmpty();
                st.executeUpdate("update runs set coordinator = '" + StoreCoordinator.hostPid() + "' where run_id = 'own'");
                assertThat(runs.collectRecords(c, "own")).hasSize((int) runs.recordCount("own"));
            }
        }
    }

    @Test
    void aCoordinatorWhoseLockAnotherTookWhileItsConnectionWasCutStopsAndLeavesTheRunAlone() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("lock_taken")) {
            String schema = f.url().schema();
            String key = "metaorch-run:" + schema + ":victim";
            // sessions that really sleep, so the run is mid-way when its lock goes
            CompletableFuture<CommandResult> run = CompletableFuture.supplyAsync(() -> CommandResult.run(args("victim",
                    "--set", "params.real_latency=true", "--set", "params.latency_scale=0.1", "--store", f.url().toString())));
            String lock = "classid::bigint = (hashtext('" + key + "')::bigint >> 32) & 4294967295 "
                    + "and objid::bigint = hashtext('" + key + "')::bigint & 4294967295 and locktype = 'advisory' and objsubid = 1";
            try (Connection other = f.store().listenerConnection(); Connection observer = f.store().listenerConnection()) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (count(observer, "select count(*) from " + schema + ".records") < 6 && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                assertThat(run).isNotDone();
                // "another coordinator" (connection other) queues for the lock; once it waits, the coordinator's lock
                // connection is cut: the lock goes to the one queued, before the coordinator's keeper can take it again
                int otherPid = other.unwrap(PGConnection.class).getBackendPID();
                CompletableFuture<Void> taken = CompletableFuture.runAsync(() -> {
                    try (var st = other.createStatement()) {
                        st.execute("select pg_advisory_lock(hashtext('" + key + "'))");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                while (count(observer, "select count(*) from pg_locks where not granted and pid = " + otherPid + " and "
                        + lock) == 0 && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                assertThat(count(observer, "select count(pg_terminate_backend(pid, 5000)) from pg_locks where granted and "
                        + lock)).isEqualTo(1);
                taken.get(30, TimeUnit.SECONDS);
                CommandResult r = run.get(120, TimeUnit.SECONDS);
                assertThat(r.exitCode()).as(r.err()).isNotZero();
                assertThat(r.err()).contains("run victim's lock was taken by another coordinator");
                // the run is the other coordinator's: not stopped, withdrawn, finished nor aborted by this one
                try (ResultSet rs = other.createStatement().executeQuery("select state, (select count(*) from " + schema
                        + ".attempts where state = 'withdrawn'), (select count(*) from " + schema + ".tracker where "
                        + "status <> 'running') from " + schema + ".runs where run_id = 'victim'")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("running");
                    assertThat(rs.getInt(2)).as("attempts withdrawn").isZero();
                    assertThat(rs.getInt(3)).as("tracker lines of its end").isZero();
                }
            }
        }
    }

    private String[] args(String runId, String... extra) {
        List<String> a = new ArrayList<>(List.of(DEMO));
        a.addAll(List.of("--results", tmp.resolve(runId).toString(), "--run-id", runId));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

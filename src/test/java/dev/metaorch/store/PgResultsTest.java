package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.analysis.RunInfo;
import dev.metaorch.cli.CommandAssert;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.results.RecordFeed;
import dev.metaorch.results.RunEnd;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The team store as the readers see it ({@link PgResults}): records followed while several
 * writers commit them out of id order, and a live run told from a finished or abandoned one by
 * its row and its coordinator's lock.
 */
class PgResultsTest {
    @TempDir
    Path tmp;

    /** The log lines of a small local run with id {@code runId} (the demo, seeded). */
    private List<String> localLog(String runId) throws Exception {
        CommandResult r = CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/exp_042.json", "--results", tmp.toString(), "--run-id", runId, "--quiet");
        CommandAssert.assertThat(r).succeeded();
        return Files.readAllLines(tmp.resolve("runs").resolve(runId).resolve("sessions.jsonl"));
    }

    private static void insertRun(PgStore store, String runId) throws Exception {
        try (Connection c = store.connection()) {
            new PgRuns(store).insertRun(c, runId, "run-experiment", "running", 42, 1_000_000_000L,
                    Json.object().put("kind", "run-experiment"), Json.object());
        }
    }

    /** Inserts records (not committed until the caller commits {@code c}). */
    private static void insert(Connection c, PgStore store, List<String> lines) throws Exception {
        List<SessionRecord> records = new ArrayList<>();
        for (String l : lines) {
            records.add(Json.mapper().readValue(l, SessionRecord.class));
        }
        new PgRuns(store).insertRecords(c, records, lines);
    }

    private static List<String> poll(RecordFeed feed) throws Exception {
        List<String> got = new ArrayList<>();
        feed.poll(got::add);
        return got;
    }

    @Test
    void theFeedHandsOnEveryRecordOnceThoughTheyCommitOutOfIdOrder() throws Exception {
        List<String> lines = localLog("feed");
        try (TestPostgres.Fresh f = TestPostgres.freshStore("feed"); PgResults results = PgResults.open(f.url())) {
            insertRun(f.store(), "feed");
            RecordFeed feed = results.follow("feed");
            try (Connection c = f.store().connection()) {
                insert(c, f.store(), lines.subList(0, 4));
            }
            assertThat(poll(feed)).containsExactlyElementsOf(lines.subList(0, 4));
            try (Connection slow = f.store().connection(); Connection fast = f.store().connection()) {
                slow.setAutoCommit(false);
                fast.setAutoCommit(false);
                // the slow writer draws its ids first, the fast one after it and commits first
                insert(slow, f.store(), lines.subList(4, 6));
                insert(fast, f.store(), lines.subList(6, 9));
                fast.commit();
                assertThat(poll(feed)).as("the later ids, committed").containsExactlyElementsOf(lines.subList(6, 9));
                assertThat(poll(feed)).as("nothing new").isEmpty();
                slow.commit();
            }
            assertThat(poll(feed)).as("the earlier ids, committed after the later ones were read")
                    .containsExactlyElementsOf(lines.subList(4, 6));
            try (Connection c = f.store().connection(); PreparedStatement ps = c.prepareStatement(
                    "select count(*) from records r1, records r2 where r1.id < r2.id and r1.record = ? and r2.record = ?")) {
                ps.setString(1, lines.get(4));
                ps.setString(2, lines.get(6));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("the record read last has the smaller id").isEqualTo(1);
                }
            }
            // the coordinator marking records collected gives them new row versions: not records again
            try (Connection c = f.store().connection()) {
                c.createStatement().executeUpdate("update records set collected = true");
            }
            assertThat(poll(feed)).isEmpty();
            try (Connection c = f.store().connection()) {
                insert(c, f.store(), lines.subList(9, lines.size()));
            }
            assertThat(poll(feed)).containsExactlyElementsOf(lines.subList(9, lines.size()));
            assertThat(feed.lastWrite()).isNotNull();
            // a reader that starts late reads everything at once, in id order
            List<String> all = poll(results.follow("feed"));
            assertThat(all).hasSize(lines.size()).containsExactlyInAnyOrderElementsOf(lines);
        }
    }

    /** Two run ids whose coordinator lock keys hash to a negative and a positive number (both halves of pg_locks' key). */
    private static List<String> idsOfBothSigns(TestPostgres.Fresh f) throws Exception {
        String negative = null;
        String positive = null;
        try (Connection c = f.store().connection(); PreparedStatement ps = c.prepareStatement("select hashtext(?)")) {
            for (int i = 0; negative == null || positive == null; i++) {
                ps.setString(1, "metaorch-run:" + f.url().schema() + ":r" + i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) < 0 && negative == null) {
                        negative = "r" + i;
                    } else if (rs.getInt(1) >= 0 && positive == null) {
                        positive = "r" + i;
                    }
                }
            }
        }
        return List.of(negative, positive);
    }

    @Test
    void aRunIsAliveWhileItsCoordinatorHoldsItsLockAndGoneWhenTheLockIsFreeAfterTheGrace() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("end"); PgResults results = PgResults.open(f.url())) {
            for (String id : idsOfBothSigns(f)) {
                insertRun(f.store(), id);
                RunInfo info = results.run(id).orElseThrow();
                assertThat(results.end(info, Duration.ZERO, Instant.now()).how()).as("just published")
                        .contains("taking the run's lock");
                try (StoreCoordinator coordinator = new StoreCoordinator(new TeamOptions(f.url(), 0,
                        Duration.ofSeconds(30)), m -> { })) {
                    coordinator.lock(id);
                    age(f, id);
                    RunEnd live = results.end(info, Duration.ZERO, Instant.now());
                    assertThat(live.alive()).as(id + ": " + live.how()).isTrue();
                    assertThat(live.how()).contains("lock in the store is held");
                }
                age(f, id);
                // the lock goes with the coordinator's connection, once its server process has ended
                RunEnd gone = results.end(info, Duration.ZERO, Instant.now());
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (gone.alive() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    gone = results.end(info, Duration.ZERO, Instant.now());
                }
                assertThat(gone.alive()).isFalse();
                assertThat(gone.aborted()).isFalse();
                assertThat(gone.how()).contains("its lock is free").contains("is gone");
                new PgRuns(f.store()).finish(id, "aborted", null, null, 0, null);
                RunEnd aborted = results.end(info, Duration.ZERO, Instant.now());
                assertThat(aborted.alive()).isFalse();
                assertThat(aborted.aborted()).isTrue();
                assertThat(aborted.how()).isEqualTo("the store's run row says aborted");
            }
        }
    }

    /** Makes the run's row older than the grace after a change (its coordinator's lock is what counts). */
    private static void age(TestPostgres.Fresh f, String runId) throws Exception {
        try (Connection c = f.store().connection(); PreparedStatement ps = c.prepareStatement(
                "update runs set updated_at = now() - interval '1 minute' where run_id = ?")) {
            ps.setString(1, runId);
            ps.executeUpdate();
        }
    }
}

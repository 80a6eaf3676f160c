package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.testing.TestPostgres;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run coordinated through PostgreSQL reaches the decision of the same run on this machine
 * alone, whatever the workers (issue 15, "same answer anywhere"), every attempt is handed out
 * once, and the store's records are the coordinator's log.
 */
class TeamRunTest {
    @TempDir
    Path tmp;

    private static final String[] DEMO = {"run-experiment", "--control", "configs/baseline.json", "--test",
        "configs/exp_042.json", "--quiet", "--json"};

    /** decision, pairs, LLR and the trace of the test: what must not depend on where sessions ran. */
    record Answer(String decision, long pairs, double llr, JsonNode trace) {
        static Answer of(CommandResult r) throws IOException {
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode j = Json.mapper().readTree(r.out());
            return new Answer(j.path("decision").asText(), j.path("pairs").asLong(), j.path("llr").asDouble(),
                    j.path("llr_trace"));
        }
    }

    private CommandResult run(String results, String runId, String... extra) {
        List<String> args = new ArrayList<>(List.of(DEMO));
        args.addAll(List.of("--results", tmp.resolve(results).toString(), "--run-id", runId));
        args.addAll(List.of(extra));
        return CommandResult.run(args.toArray(String[]::new));
    }

    @Test
    void theStoreGivesTheAnswerOfALocalRunWithOneOrFourWorkers() throws Exception {
        Answer local = Answer.of(run("local", "r"));
        try (TestPostgres.Fresh f = TestPostgres.freshStore("same_answer")) {
            // the coordinator's own worker (concurrency 8, the run's)
            Answer own = Answer.of(run("own", "own", "--store", f.url().toString()));
            // one remote worker, then four of different concurrency; the coordinator runs none
            Answer one = withWorkers(f, new int[] {1}, () -> Answer.of(run("one", "one", "--store", f.url().toString(),
                    "--local-workers", "0")));
            Answer four = withWorkers(f, new int[] {1, 2, 5, 16}, () -> Answer.of(run("four", "four", "--store",
                    f.url().toString(), "--local-workers", "0")));
            assertThat(List.of(own, one, four)).allSatisfy(a -> {
                assertThat(a.decision()).isEqualTo(local.decision());
                assertThat(a.pairs()).isEqualTo(local.pairs());
                assertThat(a.llr()).isEqualTo(local.llr());
                assertThat(a.trace()).isEqualTo(local.trace());
            });
            assertThat(local.decision()).isEqualTo("accept_h1");
            for (String[] run : new String[][] {{"own", "own"}, {"one", "one"}, {"four", "four"}}) {
                assertLogIsTheStores(f, tmp.resolve(run[0]).resolve("runs").resolve(run[1]).resolve("sessions.jsonl"), run[1]);
            }
            try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                    "select max(claims), count(*) filter (where state not in ('done', 'withdrawn')), count(distinct worker), "
                            + "count(*) filter (where state = 'withdrawn' and claims > 0) from attempts where run_id = 'four'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("no attempt handed out twice").isEqualTo(1);
                assertThat(rs.getInt(2)).as("every attempt done, or withdrawn unclaimed at the decision").isZero();
                assertThat(rs.getInt(3)).as("the four workers shared the run").isGreaterThan(1);
                assertThat(rs.getInt(4)).as("a withdrawn attempt was never handed out").isZero();
            }
            try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                    "select state, decision, reserved_nano_usd, spend_nano_usd = (select sum(cost_nano_usd) from records "
                            + "where run_id = 'four') from runs where run_id = 'four'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("finished");
                assertThat(rs.getString(2)).isEqualTo("accept_h1");
                assertThat(rs.getLong(3)).as("no reservation left").isZero();
                assertThat(rs.getBoolean(4)).as("the run row's spend is the records'").isTrue();
            }
        }
    }

    @Test
    void anAttemptWhoseWorkerDiedIsRecordedLostAndIssuedAgainWithTheSameDecision() throws Exception {
        Answer local = Answer.of(run("local", "r"));
        try (TestPostgres.Fresh f = TestPostgres.freshStore("lost")) {
            // a "worker" that claims the first four attempts queued and dies: it never renews, never writes
            Thread zombie = new Thread(() -> {
                try (Connection c = f.store().connection()) {
                    int got = 0;
                    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (got < 4 && System.nanoTime() < end) {
                        try (var ps = c.prepareStatement("update attempts set state = 'claimed', worker = 'zombie', "
                                + "claims = claims + 1, claimed_at = now(), lease_until = now() + interval '1 second' "
                                + "where (run_id, arm, pair, repeat, attempt) in (select run_id, arm, pair, repeat, attempt "
                                + "from attempts where state = 'queued' order by seq limit 1 for update skip locked)")) {
                            got += ps.executeUpdate();
                        }
                        Thread.onSpinWait();
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            zombie.start();
            CommandResult r = withWorkers(f, new int[] {4}, () -> run("lost", "lost", "--store", f.url().toString(),
                    "--local-workers", "0"));
            zombie.join();
            Answer a = Answer.of(r);
            assertThat(a.decision()).isEqualTo(local.decision());
            assertThat(a.pairs()).isEqualTo(local.pairs());
            assertThat(a.llr()).isEqualTo(local.llr());
            JsonNode result = Json.mapper().readTree(tmp.resolve("lost/runs/lost/result.json").toFile());
            assertThat(result.at("/ledger/lost_attempts").asLong()).isEqualTo(4);
            assertLogIsTheStores(f, tmp.resolve("lost/runs/lost/sessions.jsonl"), "lost");
            try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                    "select count(*) filter (where state = 'lost'), max(claims) from attempts where run_id = 'lost'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(4);
                assertThat(rs.getInt(2)).as("a lost attempt is not handed out again: a new attempt is").isEqualTo(1);
            }
        }
    }

    @Test
    void aStatefulArmWhoseWorkerDiedPassesToAnotherWorker() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("adopt")) {
            // a "worker" that adopts the caching arm, claims its first four attempts and dies without a heartbeat
            Thread zombie = new Thread(() -> {
                try (Connection c = f.store().connection()) {
                    c.createStatement().executeUpdate("insert into workers (worker_id, host, pid, concurrency, lease_s) "
                            + "values ('zombie', 'nowhere', 0, 4, 1)");
                    int got = 0;
                    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (got < 4 && System.nanoTime() < end) {
                        c.createStatement().executeUpdate("update run_arms set worker = 'zombie' where one_worker "
                                + "and worker is null");
                        try (var ps = c.prepareStatement("update attempts set state = 'claimed', worker = 'zombie', "
                                + "claims = claims + 1, claimed_at = now(), lease_until = now() + interval '1 second' "
                                + "where (run_id, arm, pair, repeat, attempt) in (select a.run_id, a.arm, a.pair, a.repeat, "
                                + "a.attempt from attempts a join run_arms ra using (run_id, arm) where a.state = 'queued' "
                                + "and ra.worker = 'zombie' order by a.seq limit 1 for update of a skip locked)")) {
                            got += ps.executeUpdate();
                        }
                        Thread.onSpinWait();
                    }
                    c.createStatement().executeUpdate("update workers set heartbeat = now() - interval '1 hour' "
                            + "where worker_id = 'zombie'");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            zombie.start();
            CommandResult r = withWorkers(f, new int[] {4}, () -> CommandResult.run("run-experiment", "--control",
                    "configs/baseline.json", "--test", "configs/hub/caching.json", "--quiet", "--json", "--results",
                    tmp.resolve("adopt").toString(), "--run-id", "adopt", "--store", f.url().toString(),
                    "--local-workers", "0", "--set", "run.timeout_s=5"));
            zombie.join();
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode result = Json.mapper().readTree(tmp.resolve("adopt/runs/adopt/result.json").toFile());
            assertThat(result.at("/ledger/lost_attempts").asLong()).isEqualTo(4);
            assertThat(count(f, "select count(*) from attempts a join run_arms ra using (run_id, arm) "
                    + "where ra.one_worker and a.worker = 'zombie' and a.state = 'lost'")).isEqualTo(4);
            // the rest of the caching arm ran on the one real worker
            assertThat(count(f, "select count(distinct a.worker) from attempts a join run_arms ra using (run_id, arm) "
                    + "where ra.one_worker and a.worker <> 'zombie'")).isEqualTo(1);
            assertThat(count(f, "select max(claims) from attempts")).isEqualTo(1);
            // ... and found the arm's lowest pairs first: no session waited for a predecessor until its timeout
            assertThat(count(f, "select count(*) from records where outcome = 'timeout'")).isZero();
            assertThat(count(f, "select count(*) from run_arms where worker = 'zombie'")).isZero();
            assertLogIsTheStores(f, tmp.resolve("adopt/runs/adopt/sessions.jsonl"), "adopt");
        }
    }

    @Test
    void aStatefulArmThatMovesMidRunStartsWhereItsLastWorkerStoppedWithoutWaitingForItsPast() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("move")) {
            // sessions that take real (scaled) time, so that the run is still going when its first worker stops
            CompletableFuture<CommandResult> coordinator = CompletableFuture.supplyAsync(() -> CommandResult.run(
                    "run-experiment", "--control", "configs/baseline.json", "--test", "configs/hub/caching.json",
                    "--quiet", "--json", "--results", tmp.resolve("move").toString(), "--run-id", "move", "--store",
                    f.url().toString(), "--local-workers", "0", "--set", "params.real_latency=true", "--set",
                    "params.latency_scale=0.01", "--set", "run.timeout_s=20"));
            Worker first = new Worker(f.store(), VariantRegistry.load(tmp.resolve("no-plugins")), 2, Duration.ofSeconds(2),
                    tmp.resolve("first"), m -> { });
            Thread firstThread = new Thread(() -> first.run(null));
            firstThread.start();
            String caching = "select count(*) from records r join run_arms ra using (run_id, arm) where ra.one_worker";
            awaitCount(f, caching, 6);
            first.close(Duration.ZERO); // stops mid-run: its sessions in flight are cancelled, the arm is released
            firstThread.join(10_000);
            long before = count(f, caching);
            CommandResult r = withWorkers(f, new int[] {2}, () -> coordinator.get(120, TimeUnit.SECONDS));
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(before).as("the run went on after the first worker stopped").isLessThan(count(f, caching));
            assertThat(count(f, "select count(distinct a.worker) from attempts a join run_arms ra using (run_id, arm) "
                    + "where ra.one_worker and a.state = 'done'")).as("the arm moved").isEqualTo(2);
            // the second worker's instance started at the arm's lowest pair left: nobody waited for pairs run before
            assertThat(count(f, "select count(*) from records where outcome = 'timeout'")).isZero();
            assertLogIsTheStores(f, tmp.resolve("move/runs/move/sessions.jsonl"), "move");
        }
    }

    @Test
    void aWorkerThatCannotRunARunGivesItsAttemptsBackAndClaimsNoMoreOfIt() throws Exception {
        Answer local = Answer.of(run("local", "r"));
        try (TestPostgres.Fresh f = TestPostgres.freshStore("refuse")) {
            CompletableFuture<CommandResult> coordinator = CompletableFuture.supplyAsync(() -> run("refuse", "refuse",
                    "--store", f.url().toString(), "--local-workers", "0"));
            awaitCount(f, "select count(*) from attempts where state = 'queued'", 1);
            // the arms name a variant this worker's registry lacks (as a worker without a plugin would see them)
            Map<String, String> specs = new HashMap<>();
            try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                    "select arm, spec::text from run_arms")) {
                while (rs.next()) {
                    specs.put(rs.getString(1), rs.getString(2));
                }
            }
            execute(f, "update run_arms set spec = jsonb_set(spec, '{configTree,variant}', '\"no-such-variant\"')");
            assertThat(count(f, "select count(*) from run_arms where spec -> 'configTree' ->> 'variant' = 'no-such-variant'"))
                    .isEqualTo(specs.size()).isEqualTo(2);
            List<String> messages = new CopyOnWriteArrayList<>();
            Worker bad = new Worker(f.store(), VariantRegistry.load(tmp.resolve("no-plugins")), 4, Duration.ofSeconds(30),
                    tmp.resolve("bad"), messages::add);
            Thread badThread = new Thread(() -> bad.run(null));
            badThread.start();
            try {
                // what it claimed comes back as lost long before its 30 s lease, and is issued again
                awaitCount(f, "select count(*) from attempts where worker = '" + bad.id() + "' and state = 'lost'", 1);
                awaitCount(f, "select count(*) from attempts where worker = '" + bad.id() + "' and state = 'lost' "
                        + "and (select count(*) from attempts where worker = '" + bad.id() + "' and state <> 'lost') = 0", 1);
                for (var e : specs.entrySet()) {
                    try (var ps = f.store().connection().prepareStatement(
                            "update run_arms set spec = ?::jsonb where arm = ?")) {
                        ps.setString(1, e.getValue());
                        ps.setString(2, e.getKey());
                        ps.executeUpdate();
                    }
                }
                Answer a = Answer.of(withWorkers(f, new int[] {4}, () -> coordinator.get(120, TimeUnit.SECONDS)));
                assertThat(a.decision()).isEqualTo(local.decision());
                assertThat(a.pairs()).isEqualTo(local.pairs());
                assertThat(a.llr()).isEqualTo(local.llr());
            } finally {
                bad.close(Duration.ofSeconds(5));
                badThread.join(10_000);
            }
            long lost = count(f, "select count(*) from attempts where worker = '" + bad.id() + "' and state = 'lost'");
            assertThat(lost).as("it claimed no more of the run once refused").isEqualTo(bad.stats().claimed()).isPositive();
            JsonNode result = Json.mapper().readTree(tmp.resolve("refuse/runs/refuse/result.json").toFile());
            assertThat(result.at("/ledger/lost_attempts").asLong()).isEqualTo(lost);
            assertThat(messages.stream().filter(m -> m.contains("this worker cannot run it"))).hasSize(1);
            assertLogIsTheStores(f, tmp.resolve("refuse/runs/refuse/sessions.jsonl"), "refuse");
        }
    }

    private static void execute(TestPostgres.Fresh f, String sql) throws SQLException {
        try (Connection c = f.store().connection()) {
            c.createStatement().executeUpdate(sql);
        }
    }

    /** Waits (at most 60 s) until the query's count reaches {@code atLeast}: the store's state, not a timer. */
    private static void awaitCount(TestPostgres.Fresh f, String sql, long atLeast) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count(f, sql) < atLeast) {
            assertThat(System.nanoTime()).as("waiting for: " + sql).isLessThan(end);
            Thread.onSpinWait();
        }
    }

    @Test
    void aWorkerWritesARecordOnlyForAnAttemptItHoldsAndOnlyOnce() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("sink")) {
            Answer.of(run("own", "own", "--store", f.url().toString()));
            List<String> lines = Files.readAllLines(tmp.resolve("own/runs/own/sessions.jsonl"));
            var first = Json.mapper().readValue(lines.get(0), dev.metaorch.session.SessionRecord.class);
            List<String> warnings = new ArrayList<>();
            try (PgRecordSink sink = new PgRecordSink(f.store(), "stranger", warnings::add)) {
                sink.append(first); // the attempt is done, and was never this worker's
                assertThat(sink.discarded()).isEqualTo(1);
            }
            assertThat(warnings).singleElement().asString().contains("was discarded");
            assertThat(count(f, "select count(*) from records where run_id = 'own'")).isEqualTo(lines.size());
        }
    }

    @Test
    void analyzeParetoAndReportReadAStoresRunsLikeTheCoordinatorsFolder() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("readers")) {
            Answer.of(run("own", "own", "--store", f.url().toString()));
            String local = tmp.resolve("own").toString();
            for (String[] cmd : new String[][] {{"analyze", "--json"}, {"pareto", "--json"}}) {
                CommandResult fromFolder = CommandResult.run(cmd[0], cmd[1], "--results", local);
                CommandResult fromStore = CommandResult.run(cmd[0], cmd[1], "--store", f.url().toString());
                assertThat(fromStore.exitCode()).as(fromStore.err()).isZero();
                JsonNode a = Json.mapper().readTree(fromFolder.out());
                JsonNode b = Json.mapper().readTree(fromStore.out());
                ((com.fasterxml.jackson.databind.node.ObjectNode) a).remove(List.of("seconds", "read_seconds", "bytes_read", "scope"));
                ((com.fasterxml.jackson.databind.node.ObjectNode) b).remove(List.of("seconds", "read_seconds", "bytes_read", "scope"));
                assertThat(b).as(cmd[0]).isEqualTo(a);
                assertThat(fromStore.err()).contains("reading the runs of " + f.url());
            }
            Path html = tmp.resolve("report.html");
            CommandResult report = CommandResult.run("report", "--store", f.url().toString(), "--out", html.toString());
            assertThat(report.exitCode()).as(report.err()).isZero();
            assertThat(Files.readString(html)).contains("exp_042").contains("baseline");
        }
    }

    @Test
    void aHubRunThroughTheStoreRanksItsVariantsAsALocalHubDoes() throws Exception {
        // all five demo variants, the `caching` one too: it keeps a cache and a turn order across its arm's
        // sessions in one process, so the first worker to claim one of them adopts the arm (ADR-184)
        String variants = "baseline.json,exp_042.json,hub/fast.json,hub/thorough.json,hub/caching.json";
        CommandResult local = CommandResult.run("run", "--quiet", "--json", "--run-id", "h", "--results",
                tmp.resolve("hl").toString(), "--variants", variants);
        assertThat(local.exitCode()).as(local.err()).isZero();
        try (TestPostgres.Fresh f = TestPostgres.freshStore("hub")) {
            CommandResult store = withWorkers(f, new int[] {3, 5}, () -> CommandResult.run("run", "--quiet", "--json",
                    "--run-id", "h", "--results", tmp.resolve("hs").toString(), "--variants", variants, "--store",
                    f.url().toString(), "--local-workers", "0"));
            assertThat(store.exitCode()).as(store.err()).isZero();
            JsonNode a = Json.mapper().readTree(local.out());
            JsonNode b = Json.mapper().readTree(store.out());
            assertThat(b.path("ranking")).isNotEmpty().isEqualTo(a.path("ranking"));
            assertThat(b.path("spend_nano_usd").asLong()).isEqualTo(a.path("spend_nano_usd").asLong());
            assertThat(count(f, "select sum(cost_nano_usd) from records where run_id = 'h'"))
                    .isEqualTo(b.path("spend_nano_usd").asLong());
            assertThat(count(f, "select max(claims) from attempts where run_id = 'h'")).isEqualTo(1);
            // the stateful arm ran on one worker, the others on both
            assertThat(count(f, "select count(*) from run_arms where run_id = 'h' and one_worker")).isEqualTo(1);
            assertThat(count(f, "select count(distinct a.worker) from attempts a join run_arms ra using (run_id, arm) "
                    + "where a.run_id = 'h' and ra.one_worker")).isEqualTo(1);
            assertThat(count(f, "select count(distinct a.worker) from attempts a join run_arms ra using (run_id, arm) "
                    + "where a.run_id = 'h' and not ra.one_worker")).isEqualTo(2);
            assertThat(count(f, "select count(*) from attempts where run_id = 'h' and arm like '%caching%'"))
                    .isGreaterThan(10);
            assertLogIsTheStores(f, tmp.resolve("hs/runs/h/sessions.jsonl"), "h");
            // a hub coordinated through the store is not resumed without it
            CommandResult local2 = CommandResult.run("run", "--resume", "h", "--results", tmp.resolve("hs").toString(),
                    "--quiet");
            assertThat(local2.exitCode()).isEqualTo(2);
            assertThat(local2.err()).contains("coordinated through the team store " + f.url());
        }
    }

    @Test
    void aResumeRefusedBecauseAnotherCoordinatorHoldsTheRunWritesNothing() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("held")) {
            Answer.of(run("own", "own", "--store", f.url().toString()));
            try (StoreCoordinator holder = new StoreCoordinator(new TeamOptions(f.url(), 0, Duration.ofSeconds(5)), m -> { })) {
                holder.lock("own");
                CommandResult second = CommandResult.run("run-experiment", "--resume", "own", "--results",
                        tmp.resolve("elsewhere").toString(), "--store", f.url().toString(), "--quiet");
                assertThat(second.exitCode()).isEqualTo(2);
                assertThat(second.err()).contains("run own is coordinated by");
                assertThat(tmp.resolve("elsewhere/runs/own")).as("nothing written before the refusal").doesNotExist();
            }
        }
    }

    @Test
    void resumingAFinishedRunLeavesItFinishedInTheStore() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("refinish")) {
            Answer.of(run("own", "own", "--store", f.url().toString()));
            // without its store the run is not resumed here (its rest would be run, and paid, twice)
            CommandResult local = CommandResult.run("run-experiment", "--resume", "own", "--results",
                    tmp.resolve("own").toString(), "--quiet");
            assertThat(local.exitCode()).isEqualTo(2);
            assertThat(local.err()).contains("coordinated through the team store " + f.url()).contains("--store");
            CommandResult again = CommandResult.run("run-experiment", "--resume", "own", "--results",
                    tmp.resolve("own").toString(), "--store", f.url().toString(), "--quiet");
            assertThat(again.exitCode()).as(again.err()).isZero();
            assertThat(again.err()).contains("already finished: accept_h1");
            try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                    "select state, decision from runs where run_id = 'own'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("finished");
                assertThat(rs.getString(2)).isEqualTo("accept_h1");
            }
        }
    }

    private static long count(TestPostgres.Fresh f, String sql) throws SQLException {
        try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The coordinator's local log holds exactly the store's records, line for line. */
    private static void assertLogIsTheStores(TestPostgres.Fresh f, Path log, String runId) throws IOException {
        List<String> stored = new ArrayList<>();
        new PgRuns(f.store()).forEachRecord(runId, 0, stored::add);
        assertThat(Files.readAllLines(log)).containsExactlyInAnyOrderElementsOf(stored);
    }

    interface Body<T> {
        T run() throws Exception;
    }

    /** Runs {@code body} while in-process workers of the given concurrencies serve the store. */
    private <T> T withWorkers(TestPostgres.Fresh f, int[] concurrencies, Body<T> body) throws Exception {
        try (InProcessWorkers workers = new InProcessWorkers(f.store(), tmp, Duration.ofSeconds(2), concurrencies)) {
            return body.run();
        }
    }
}

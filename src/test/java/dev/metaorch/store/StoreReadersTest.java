package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandAssert;
import dev.metaorch.cli.CommandFactory;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.serve.DashboardServer;
import dev.metaorch.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@code watch}, {@code serve} and {@code experiments} read a team store's runs (a live one too,
 * coordinated by another process) and show what they show for the coordinator's own folder.
 */
class StoreReadersTest {
    @TempDir
    Path tmp;

    private static final String[] DEMO = {"run-experiment", "--control", "configs/baseline.json", "--test",
        "configs/exp_042.json", "--quiet", "--json"};

    private CommandResult coordinate(TestPostgres.Fresh f, String runId, String... extra) {
        List<String> args = new ArrayList<>(List.of(DEMO));
        args.addAll(List.of("--results", tmp.resolve(runId).toString(), "--run-id", runId, "--store", f.url().toString()));
        args.addAll(List.of(extra));
        return CommandResult.run(args.toArray(String[]::new));
    }

    private String folder(String runId) {
        return tmp.resolve(runId).toString();
    }

    /** The summary a finished watch prints, without its last line (where result.json is: a file, or the store). */
    private static List<String> summary(CommandResult watch) {
        List<String> lines = new ArrayList<>(watch.out().lines().toList());
        assertThat(lines.get(lines.size() - 1)).startsWith("result     ");
        return lines.subList(0, lines.size() - 1);
    }

    @Test
    void watchOnAFinishedStoreRunPrintsWhatWatchOnTheCoordinatorsFolderPrints() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("watch_done")) {
            CommandAssert.assertThat(coordinate(f, "done")).succeeded();
            CommandResult local = CommandResult.run("watch", "done", "--once", "--results", folder("done"));
            CommandResult store = CommandResult.run("watch", "done", "--once", "--store", f.url().toString());
            CommandAssert.assertThat(store).succeeded();
            assertThat(store.out()).startsWith("decided ").isEqualTo(local.out());
            // as JSON: the same state, but for how it was found and the log's time (a file's, a record's)
            ObjectNode a = (ObjectNode) Json.mapper().readTree(CommandResult.run("watch", "done", "--once", "--json",
                    "--results", folder("done")).out());
            ObjectNode b = (ObjectNode) Json.mapper().readTree(CommandResult.run("watch", "done", "--once", "--json",
                    "--store", f.url().toString()).out());
            assertThat(b.path("status_reason").asText()).isEqualTo("the store's run row says finished");
            a.remove(List.of("status_reason", "updated_at"));
            b.remove(List.of("status_reason", "updated_at"));
            assertThat(b).isEqualTo(a);
            // followed to its end: the same summary, and where the result is kept
            CommandResult endLocal = CommandResult.run("watch", "done", "--results", folder("done"));
            CommandResult endStore = CommandResult.run("watch", "done", "--store", f.url().toString());
            CommandAssert.assertThat(endStore).succeeded();
            assertThat(summary(endStore)).isEqualTo(summary(endLocal));
            assertThat(endStore.out()).contains("result     " + f.url() + ": run done: result.json");
            // a run the store does not have is bad input naming the store
            CommandAssert.assertThat(CommandResult.run("watch", "nope", "--once", "--store", f.url().toString()))
                    .exitedWith(2).errContains("RUN_ID nope: no run with that id in " + f.url());
        }
    }

    @Test
    void watchAndTheDashboardFollowALiveStoreRunToItsEnd() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("watch_live");
                PgResults results = PgResults.open(f.url());
                DashboardServer server = DashboardServer.start(results, InetAddress.getLoopbackAddress(), 0, null);
                Connection listener = f.store().listenerConnection()) {
            listener.createStatement().execute("listen " + PgStore.WORK_CHANNEL);
            // a coordinator with no worker of its own: its run waits, published and locked, until workers come
            CompletableFuture<CommandResult> coordinator = CompletableFuture.supplyAsync(() -> coordinate(f, "live",
                    "--local-workers", "0"));
            awaitQueued(listener, f.url().schema());
            JsonNode runs = api(server, "/api/runs");
            assertThat(runs).hasSize(1);
            assertThat(runs.get(0).path("run_id").asText()).isEqualTo("live");
            assertThat(runs.get(0).path("status").asText()).isEqualTo("running");
            assertThat(runs.get(0).path("status_reason").asText()).contains("lock in the store is held");
            assertThat(get(server, "/")).contains("href=\"/run/live\"").contains("status running");

            // watch it; the workers start once watch has shown the run running
            CountDownLatch shownRunning = new CountDownLatch(1);
            StringWriter watchOut = new StringWriter();
            StringWriter watchErr = new StringWriter();
            Writer err = new Writer() {
                @Override
                public void write(char[] buf, int off, int len) {
                    watchErr.write(buf, off, len);
                    if (watchErr.toString().contains("running ")) {
                        shownRunning.countDown();
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(() -> CommandFactory.create(
                    new PrintWriter(watchOut, true), new PrintWriter(err, true), 0).execute("watch", "live", "--store",
                    f.url().toString(), "--interval-ms", "20"));
            assertThat(shownRunning.await(60, TimeUnit.SECONDS)).as(watchErr.toString()).isTrue();
            CommandResult coordinated;
            int watched;
            try (InProcessWorkers workers = new InProcessWorkers(f.store(), tmp, Duration.ofSeconds(5), 1, 3)) {
                coordinated = coordinator.get(120, TimeUnit.SECONDS);
                watched = watch.get(60, TimeUnit.SECONDS);
            }
            CommandAssert.assertThat(coordinated).succeeded();
            assertThat(watched).as(watchErr.toString()).isZero();
            List<String> states = watchErr.toString().lines().toList();
            assertThat(states.get(0)).startsWith("running ");
            assertThat(states.get(states.size() - 1)).startsWith("decided ");
            // what it ended on is what watch says of the coordinator's folder
            CommandResult local = CommandResult.run("watch", "live", "--results", folder("live"));
            assertThat(summary(new CommandResult(watched, watchOut.toString(), watchErr.toString())))
                    .isEqualTo(summary(local));
            assertThat(states.get(states.size() - 1)).isEqualTo(CommandResult.run("watch", "live", "--once", "--results",
                    folder("live")).out().strip());

            // the dashboard shows it ended, with the figures of the coordinator's folder
            try (DashboardServer fromFolder = DashboardServer.start(tmp.resolve("live"), InetAddress.getLoopbackAddress(),
                    0, null)) {
                ObjectNode a = (ObjectNode) api(fromFolder, "/api/run/live");
                ObjectNode b = (ObjectNode) api(server, "/api/run/live");
                assertThat(b.path("status").asText()).isEqualTo("decided");
                a.remove(List.of("status_reason", "updated_at"));
                b.remove(List.of("status_reason", "updated_at"));
                assertThat(b).isEqualTo(a);
                // the same sessions; newest first by when they landed: the store's id order, the folder's
                // collection order (they differ when records commit out of id order)
                assertThat(rows(get(server, "/run/live/sessions"))).containsExactlyInAnyOrderElementsOf(
                        rows(get(fromFolder, "/run/live/sessions")));
                assertThat(get(server, "/pareto")).isEqualTo(get(fromFolder, "/pareto"));
            }
            assertThat(api(server, "/api/runs").get(0).path("figures").path("attempts").asLong())
                    .isEqualTo(Files.readAllLines(tmp.resolve("live/runs/live/sessions.jsonl")).size());
            assertThat(get(server, "/experiments")).contains("href=\"/run/live\"").contains("accepted");
        }
    }

    @Test
    void experimentsThroughTheStoreGiveTheFiguresOfTheCoordinatorsTracker() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("experiments")) {
            CommandAssert.assertThat(coordinate(f, "one")).succeeded();
            CommandResult local = CommandResult.run("experiments", "--json", "--results", folder("one"));
            CommandResult store = CommandResult.run("experiments", "--json", "--store", f.url().toString());
            CommandAssert.assertThat(store).succeeded();
            JsonNode a = Json.mapper().readTree(local.out());
            JsonNode b = Json.mapper().readTree(store.out());
            assertThat(b.path("experiments")).hasSize(1).isEqualTo(a.path("experiments"));
            assertThat(b.path("false_acceptances")).isEqualTo(a.path("false_acceptances"));
            assertThat(b.at("/kpis/hypotheses_decided")).isEqualTo(a.at("/kpis/hypotheses_decided"));
            assertThat(b.at("/kpis/sessions_saved")).isEqualTo(a.at("/kpis/sessions_saved"));
            CommandResult show = CommandResult.run("experiments", "show", "exp_042", "--store", f.url().toString());
            CommandAssert.assertThat(show).succeeded();
            assertThat(show.out()).isEqualTo(CommandResult.run("experiments", "show", "exp_042", "--results",
                    folder("one")).out());
        }
    }

    /**
     * Waits for the coordinator's notification that it queued attempts of run "live" in this
     * schema (notifications are per database: other stores' runs on the server send them too).
     */
    private static void awaitQueued(Connection listener, String schema) throws Exception {
        PGConnection pg = listener.unwrap(PGConnection.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            PGNotification[] got = pg.getNotifications(1000);
            for (PGNotification n : got == null ? new PGNotification[0] : got) {
                if (n.getParameter().equals("live") && queuedIn(listener, schema)) {
                    return;
                }
            }
        }
        throw new AssertionError("no attempt of run live was queued in schema " + schema + " within 60 s");
    }

    private static boolean queuedIn(Connection c, String schema) throws Exception {
        try (var rs = c.createStatement().executeQuery("select count(*) from " + schema + ".attempts "
                + "where run_id = 'live'")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    private static List<String> rows(String table) {
        return List.of(table.split("<tr>"));
    }

    private static String get(DashboardServer server, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static JsonNode api(DashboardServer server, String path) throws Exception {
        return Json.mapper().readTree(get(server, path));
    }
}

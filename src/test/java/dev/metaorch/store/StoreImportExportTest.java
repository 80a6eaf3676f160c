package dev.metaorch.store;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.session.RunLedger;
import dev.metaorch.session.SessionLogReader;
import dev.metaorch.testing.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store import}, {@code store export} and {@code experiments --store} against a real
 * PostgreSQL, on a run made by {@code run-experiment} on the embedded simulated configs.
 */
class StoreImportExportTest {
    @TempDir
    Path tmp;

    private Path localRun(Path results, String runId) {
        CommandResult r = CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/exp_042.json", "--results", results.toString(), "--run-id", runId, "--seed", "7", "--json",
                "--quiet");
        assertThat(r).succeeded();
        return results.resolve("runs").resolve(runId);
    }

    private static JsonNode json(CommandResult r) throws IOException {
        assertThat(r).succeeded();
        return Json.mapper().readTree(r.out());
    }

    private static RunLedger.Figures ledger(Path log) throws IOException {
        RunLedger ledger = new RunLedger();
        List<String> problems = new ArrayList<>();
        SessionLogReader.read(log, ledger::add, p -> problems.add(p.toString()));
        assertThat(problems).isEmpty();
        return ledger.figures(null);
    }

    @Test
    void importTwiceThenExportGivesBackTheSameLogLedgerAndTracker() throws Exception {
        Path results = tmp.resolve("results");
        Path run = localRun(results, "imp");
        long lines = Files.readAllLines(run.resolve("sessions.jsonl")).size();
        try (TestPostgres.Fresh f = TestPostgres.freshStore("impexp")) {
            String url = f.url().toString();
            JsonNode first = json(CommandResult.run("store", "import", results.toString(), "--store", url, "--json"));
            assertThat(first.path("runs")).hasSize(1);
            JsonNode r = first.path("runs").get(0);
            assertThat(r.path("run_id").asText()).isEqualTo("imp");
            assertThat(r.path("kind").asText()).isEqualTo("run-experiment");
            assertThat(r.path("state").asText()).isEqualTo("finished");
            assertThat(r.path("new_run").asBoolean()).isTrue();
            assertThat(r.path("records_new").asLong()).isEqualTo(lines);
            assertThat(r.path("records_total").asLong()).isEqualTo(lines);
            assertThat(r.path("warnings")).isEmpty();
            assertThat(first.path("tracker_new").asInt()).isEqualTo(2);
            assertThat(first.path("hashes_new").asInt()).isPositive();

            // the run row carries what result.json and run.json say
            PgRuns pg = new PgRuns(f.store());
            PgRuns.RunRow row = pg.run("imp").orElseThrow();
            JsonNode result = Json.mapper().readTree(Files.readString(run.resolve("result.json")));
            assertThat(row.decision()).isEqualTo(result.path("decision").asText()).isNotBlank();
            assertThat(row.llr()).isEqualTo(result.path("llr").asDouble());
            assertThat(row.pairs()).isEqualTo(result.path("pairs").asLong());
            assertThat(row.seed()).isEqualTo(7);
            assertThat(row.capNanoUsd()).isPositive();
            assertThat(pg.files("imp")).containsKeys("run.json", "config.control.json", "config.test.json", "result.json")
                    .doesNotContainKeys("sessions.jsonl", "sessions.jsonl.lock", "run.lock");

            // a second import adds nothing
            CommandResult again = CommandResult.run("store", "import", results.toString(), "--store", url);
            assertThat(again).succeeded().outContains("records 0 new / " + lines + " total")
                    .outContains("1 run (0 new), records 0 new / " + lines + " total, tracker 0 new of 2 lines, hashes 0 new");
            assertThat(pg.recordCount("imp")).isEqualTo(lines);
            assertThat(pg.trackerLines("imp")).hasSize(2);

            // export to a fresh folder: the same bytes, the same ledger, the same tracker lines
            Path out = tmp.resolve("exported");
            JsonNode exp = json(CommandResult.run("store", "export", "imp", out.toString(), "--store", url, "--json"));
            assertThat(exp.path("records").asLong()).isEqualTo(lines);
            Path back = out.resolve("runs/imp");
            assertThat(Files.readAllBytes(back.resolve("sessions.jsonl")))
                    .isEqualTo(Files.readAllBytes(run.resolve("sessions.jsonl")));
            assertThat(ledger(back.resolve("sessions.jsonl"))).isEqualTo(ledger(run.resolve("sessions.jsonl")));
            for (String file : List.of("run.json", "result.json", "config.control.json", "config.test.json")) {
                assertThat(Files.readAllBytes(back.resolve(file))).as(file).isEqualTo(Files.readAllBytes(run.resolve(file)));
            }
            assertThat(Files.readAllLines(out.resolve("experiments.jsonl")))
                    .isEqualTo(Files.readAllLines(results.resolve("experiments.jsonl")));
            assertThat(Json.mapper().readTree(Files.readString(out.resolve("hashes.dict"))))
                    .isEqualTo(Json.mapper().readTree(Files.readString(results.resolve("hashes.dict"))));

            // the local readers read the export like the original
            CommandResult watchOriginal = CommandResult.run("watch", "imp", "--once", "--results", results.toString());
            CommandResult watchExported = CommandResult.run("watch", "imp", "--once", "--results", out.toString());
            assertThat(watchExported).succeeded();
            assertThat(watchExported.out()).isEqualTo(watchOriginal.out()).contains("decided");
            JsonNode analyzed = json(CommandResult.run("analyze", "--results", out.toString(), "--json"));
            JsonNode analyzedOriginal = json(CommandResult.run("analyze", "--results", results.toString(), "--json"));
            assertThat(withoutTimings(analyzed)).isEqualTo(withoutTimings(analyzedOriginal));

            // refused without --force (one line, exit 2); replaced with it, the tracker not appended twice
            CommandResult refused = CommandResult.run("store", "export", "imp", out.toString(), "--store", url);
            assertThat(refused).exitedWith(2).errLines(1).errContains("already exists; add --force").noStackTrace();
            JsonNode forced = json(CommandResult.run("store", "export", "imp", out.toString(), "--store", url, "--force",
                    "--json"));
            assertThat(forced.path("tracker_new").asInt()).isZero();
            assertThat(Files.readAllLines(out.resolve("experiments.jsonl"))).hasSize(2);
            try (Stream<Path> s = Files.list(out.resolve("runs"))) {
                assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("imp");
            }

            CommandResult unknown = CommandResult.run("store", "export", "nope", out.toString(), "--store", url);
            assertThat(unknown).exitedWith(2).errLines(1).errContains("no run 'nope'");
        }
    }

    /** analyze --json without the time the read took. */
    private static JsonNode withoutTimings(JsonNode analyzed) {
        ObjectNode copy = analyzed.deepCopy();
        copy.remove("seconds");
        return copy;
    }

    @Test
    void aFolderThatGrewSinceTheLastImportAddsOnlyItsNewRecordsAndItsResult() throws Exception {
        Path full = tmp.resolve("full");
        Path run = localRun(full, "grow");
        List<String> lines = Files.readAllLines(run.resolve("sessions.jsonl"));
        // the same run earlier: 20 records and a torn line, no result yet
        Path early = tmp.resolve("early");
        Path earlyRun = Files.createDirectories(early.resolve("runs/grow"));
        for (String file : List.of("run.json", "config.control.json", "config.test.json")) {
            Files.copy(run.resolve(file), earlyRun.resolve(file));
        }
        Files.writeString(earlyRun.resolve("sessions.jsonl"), String.join("\n", lines.subList(0, 20)) + "\n"
                + lines.get(20).substring(0, 50), StandardCharsets.UTF_8);
        Files.writeString(early.resolve("experiments.jsonl"),
                Files.readAllLines(full.resolve("experiments.jsonl")).get(0) + "\n");
        try (TestPostgres.Fresh f = TestPostgres.freshStore("grow")) {
            String url = f.url().toString();
            JsonNode first = json(CommandResult.run("store", "import", early.toString(), "--store", url, "--json"));
            JsonNode r = first.path("runs").get(0);
            assertThat(r.path("state").asText()).isEqualTo("aborted");
            assertThat(r.path("records_new").asLong()).isEqualTo(20);
            assertThat(r.path("warnings").toString()).contains("unterminated last line");
            assertThat(first.path("tracker_new").asInt()).isEqualTo(1);

            JsonNode second = json(CommandResult.run("store", "import", full.toString(), "--store", url, "--json"));
            r = second.path("runs").get(0);
            assertThat(r.path("new_run").asBoolean()).isFalse();
            assertThat(r.path("records_new").asLong()).isEqualTo(lines.size() - 20);
            assertThat(r.path("records_total").asLong()).isEqualTo(lines.size());
            assertThat(r.path("state").asText()).isEqualTo("finished");
            assertThat(second.path("tracker_new").asInt()).isEqualTo(1);

            PgRuns pg = new PgRuns(f.store());
            assertThat(pg.run("grow").orElseThrow().result()).isNotNull();
            Path out = tmp.resolve("out");
            json(CommandResult.run("store", "export", "grow", out.toString(), "--store", url, "--json"));
            assertThat(Files.readAllBytes(out.resolve("runs/grow/sessions.jsonl")))
                    .isEqualTo(Files.readAllBytes(run.resolve("sessions.jsonl")));
        }
    }

    @Test
    void experimentsFromTheStoreShowTheImportedRunWithTheLocalFigures() throws Exception {
        Path results = tmp.resolve("results");
        localRun(results, "exp-a");
        localRun(results, "exp-b");
        try (TestPostgres.Fresh f = TestPostgres.freshStore("experiments")) {
            String url = f.url().toString();
            assertThat(CommandResult.run("store", "import", results.toString(), "--store", url)).succeeded();
            JsonNode local = json(CommandResult.run("experiments", "--results", results.toString(), "--json"));
            // --results is ignored when a store is given: an empty folder changes nothing
            JsonNode store = json(CommandResult.run("experiments", "--store", url, "--results",
                    tmp.resolve("empty").toString(), "--json"));
            assertThat(store.path("experiments")).hasSize(2).isEqualTo(local.path("experiments"));
            assertThat(store.path("experiments").findValuesAsText("run_id")).containsExactly("exp-a", "exp-b");
            ((ObjectNode) local.path("kpis")).remove("blocking_time_share"); // grows with the clock between calls
            ((ObjectNode) store.path("kpis")).remove("blocking_time_share");
            assertThat(store.path("kpis")).isEqualTo(local.path("kpis"));
            assertThat(store.path("false_acceptances")).isEqualTo(local.path("false_acceptances"));

            CommandResult human = CommandResult.run("experiments", "--store", url);
            assertThat(human).succeeded().outContains("exp-a").outContains("exp-b").outContains("velocity: 1 hypotheses decided");
            CommandResult show = CommandResult.run("experiments", "show", "exp-b", "--store", url);
            assertThat(show).succeeded().outContains("lineage     exp_042 <- exp_041");
            CommandResult missing = CommandResult.run("experiments", "show", "nope", "--store", url);
            assertThat(missing).exitedWith(2).errLines(1).errContains("the tracker of " + url);
        }
    }

    @Test
    void noStoreOrABadUrlIsOneLineAndExitTwo() {
        Assumptions.assumeTrue(System.getenv(StoreUrl.ENV) == null, "METAORCH_STORE is set in this environment");
        for (String command : List.of("migrate", "import", "export")) {
            List<String> args = new ArrayList<>(List.of("store", command));
            if (command.equals("export")) {
                args.addAll(List.of("r1", tmp.toString()));
            }
            CommandResult r = CommandResult.run(args.toArray(String[]::new));
            assertThat(r).exitedWith(2).errLines(1).noStackTrace().errContains("store " + command
                    + ": no store given: add --store postgresql://host:5432/database or set METAORCH_STORE");
        }
        CommandResult bad = CommandResult.run("store", "migrate", "--store", "mysql://db/team");
        assertThat(bad).exitedWith(2).errLines(1).errContains("--store: expected postgresql://").noStackTrace();
        CommandResult badExperiments = CommandResult.run("experiments", "--store", "postgresql://h/db?schema=Bad-Name");
        assertThat(badExperiments).exitedWith(2).errLines(1).errContains("lower-case SQL identifier");
        // without a store, experiments reads the folder as before
        assertThat(CommandResult.run("experiments", "--results", tmp.toString(), "--json")).succeeded();
    }

    @Test
    void aResultsFolderGivenOnTheCommandLineWinsOverMetaorchStoreAndAnEmptyStoreIsRefused() throws Exception {
        // METAORCH_STORE names a server that does not answer: reading the folder must not try it
        for (String[] args : new String[][] {{"experiments", "--results", tmp.toString(), "--json"},
            {"analyze", "--results", tmp.toString(), "--all"}}) {
            ProcessBuilder pb = new ProcessBuilder(dev.metaorch.testing.ChildJvm.command(
                    "dev.metaorch.cli.MetaorchApplication", args)).redirectErrorStream(true);
            pb.environment().put(StoreUrl.ENV, "postgresql://127.0.0.1:1/nowhere");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isNotEqualTo(1);
            assertThat(out).as(String.join(" ", args)).doesNotContain("127.0.0.1:1").doesNotContain("reading the runs of");
        }
        CommandResult empty = CommandResult.run("analyze", "--store", "", "--results", tmp.toString());
        assertThat(empty).exitedWith(2).errLines(1).errContains("--store: empty");
    }

    @Test
    void migrateReportsTheVersionAndIsANoOpTheSecondTime() throws Exception {
        TestPostgres.requireReachable();
        StoreUrl url = TestPostgres.uniqueUrl("migratecli");
        try {
            // every migration the jar carries, V1 .. Vn, is applied to a new schema
            long n;
            try (var files = Files.list(Path.of("src/main/resources/db/metaorch"))) {
                n = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
            }
            assertThat(n).isGreaterThanOrEqualTo(2);
            CommandResult first = CommandResult.run("store", "migrate", "--store", url.toString());
            assertThat(first).succeeded().outContains("schema version " + n + ", " + n + " migrations applied");
            JsonNode second = json(CommandResult.run("store", "migrate", "--store", url.toString(), "--json"));
            assertThat(second.path("schema_version").asText()).isEqualTo(String.valueOf(n));
            assertThat(second.path("migrations_executed").asInt()).isZero();
            CommandResult unmigrated = CommandResult.run("store", "import", tmp.toString(), "--store",
                    TestPostgres.uniqueUrl("never").toString());
            assertThat(unmigrated).exitedWith(2).errLines(1).errContains("metaorch store migrate --store");
        } finally {
            try (PgStore pg = PgStore.open(url, 2, false)) {
                pg.dropSchema();
            }
        }
    }
}

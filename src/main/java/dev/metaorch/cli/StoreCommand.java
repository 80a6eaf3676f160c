package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.store.PgRuns;
import dev.metaorch.store.PgStore;
import dev.metaorch.store.StoreExport;
import dev.metaorch.store.StoreImport;
import dev.metaorch.store.StoreUrl;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code metaorch store migrate|import|export}: the team store (PostgreSQL) and the JSONL folder. */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = {"The team store (PostgreSQL): create or upgrade its schema, import a results folder into it, "
            + "export a run back to the folder layout.",
            "The store is --store postgresql://host[:port]/database[?schema=name] or $METAORCH_STORE."},
        subcommands = {StoreCommand.Migrate.class, StoreCommand.Import.class, StoreCommand.Export.class},
        footerHeading = "%nExamples:%n",
        footer = {"  export METAORCH_STORE=postgresql://127.0.0.1:5432/team", "  metaorch store migrate",
            "  metaorch store import results", "  metaorch store export exp_042-20261203-101500-123 shared-results"})
final class StoreCommand extends GroupCommand {

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Create the store's schema or apply the migrations it lacks (a store that is up to date is "
                    + "left as it is); prints the schema version and how many migrations ran.",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch store migrate --store postgresql://127.0.0.1:5432/team",
                "  export METAORCH_STORE='postgresql://db.example/team?schema=ml'",
                "  metaorch store migrate --json"})
    static final class Migrate implements Callable<Integer> {
        @Mixin SharedOptions.Store store;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() {
            StoreUrl url = store.required("store migrate");
            MigrateResult r;
            try (PgStore pg = PgStore.open(url, 2, false)) {
                r = pg.migrate();
            }
            String version = r.targetSchemaVersion != null ? r.targetSchemaVersion : r.initialSchemaVersion;
            if (json.enabled) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("store", url.toString());
                o.put("schema", url.schema());
                o.put("schema_version", version);
                o.put("migrations_executed", r.migrationsExecuted);
                json.console().json(o);
            } else {
                json.console().out().printf(Locale.ROOT, "%s: schema version %s, %d migration%s applied%n", url,
                        version == null ? "-" : version, r.migrationsExecuted, r.migrationsExecuted == 1 ? "" : "s");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Copy a JSONL results folder into the store: every run folder under runs/ (its files, "
                + "each record of sessions.jsonl as its exact line), the tracker lines of experiments.jsonl and "
                + "hashes.dict.",
                "Idempotent: importing again adds only what is new (records by run, arm, pair, repeat and attempt; "
                + "tracker lines by their text)."},
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch store import --store postgresql://127.0.0.1:5432/team",
                "  metaorch store import ~/old-results --json"})
    static final class Import implements Callable<Integer> {
        @Parameters(paramLabel = "RESULTS_DIR", arity = "0..1", defaultValue = "results",
                description = "The results folder to import.")
        Path dir;
        @Mixin SharedOptions.Store store;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() throws Exception {
            StoreUrl url = store.required("store import");
            StoreImport.Summary s;
            try (PgStore pg = PgStore.open(url, 2, true)) {
                s = new StoreImport(new PgRuns(pg)).importFolder(dir);
            }
            Console console = json.console();
            if (json.enabled) {
                console.json(s);
                return ExitCodes.OK;
            }
            PrintWriter out = console.out();
            for (StoreImport.RunImport r : s.runs()) {
                r.warnings().forEach(console::warn);
                out.printf(Locale.ROOT, "%-40s %-14s %-9s records %d new / %d total, %d files%s%n", r.runId(), r.kind(),
                        r.state(), r.recordsNew(), r.recordsTotal(), r.files(), r.newRun() ? " (new run)" : "");
            }
            s.warnings().forEach(console::warn);
            out.printf(Locale.ROOT, "imported %s into %s: %d run%s (%d new), records %d new / %d total, tracker %d new "
                    + "of %d lines, hashes %d new of %d%n", s.resultsDir(), s.store(), s.runs().size(),
                    s.runs().size() == 1 ? "" : "s", s.runsNew(), s.recordsNew(), s.recordsTotal(), s.trackerNew(),
                    s.trackerLines(), s.hashesNew(), s.hashes());
            return ExitCodes.OK;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write one run of the store back in the JSONL layout: DIR/runs/RUN_ID/ (its files, "
                + "sessions.jsonl from its records in the order written, result.json), its tracker lines appended to "
                + "DIR/experiments.jsonl and the store's hashes merged into DIR/hashes.dict.",
                "analyze, watch, report and experiments --results DIR then read it like a local run."},
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch store export exp_042-20261203-101500-123 results",
                "  metaorch store export exp_042-20261203-101500-123 /tmp/review --force --json"})
    static final class Export implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run to export.") String runId;
        @Parameters(index = "1", paramLabel = "DIR", description = "The results folder to write into.") Path dir;
        @Option(names = "--force", description = "Replace DIR/runs/RUN_ID when it exists.") boolean force;
        @Mixin SharedOptions.Store store;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() throws Exception {
            StoreUrl url = store.required("store export");
            StoreExport.Summary s;
            try (PgStore pg = PgStore.open(url, 2, true)) {
                s = new StoreExport(new PgRuns(pg)).export(runId, dir, force);
            }
            if (json.enabled) {
                json.console().json(s);
            } else {
                json.console().out().printf(Locale.ROOT, "exported run %s (%s) to %s: %d records, %d files%s; tracker %d "
                        + "new lines, hashes %d new%n", s.runId(), s.state(), s.folder(), s.records(), s.files(),
                        s.resultFromRow() ? ", result.json from the run row" : "", s.trackerNew(), s.hashesNew());
            }
            return ExitCodes.OK;
        }
    }
}

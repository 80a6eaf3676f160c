package dev.metaorch.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.Money;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.experiment.ExperimentTracker;
import dev.metaorch.session.SessionLogReader;
import dev.metaorch.session.SessionRecord;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code metaorch store import}: a JSONL results folder into the team store, idempotently. Each
 * folder under {@code runs/} becomes a run row, its files (but the session log, logs, locks and
 * the in-flight agent list) {@code run_files}, each readable line of its {@code sessions.jsonl} a
 * record kept as the exact line; the tracker lines a run does not have yet and the hash
 * dictionary's entries follow. Importing again adds only what is new: records by their key (run,
 * arm, pair, repeat, attempt), tracker lines by their exact text within the run.
 */
public final class StoreImport {
    /** Records sent to PostgreSQL per batch. */
    static final int BATCH = 1000;
    /** Problems listed per run; more are counted. */
    static final int MAX_WARNINGS = 20;

    private final PgRuns pg;

    public StoreImport(PgRuns pg) {
        this.pg = pg;
    }

    /** What the import did with one run folder. */
    public record RunImport(@JsonProperty("run_id") String runId, String kind, String state,
            @JsonProperty("new_run") boolean newRun, @JsonProperty("records_new") long recordsNew,
            @JsonProperty("records_total") long recordsTotal, int files, List<String> warnings) {
    }

    /** What the import did with a results folder. */
    public record Summary(@JsonProperty("results") String resultsDir, String store, List<RunImport> runs,
            @JsonProperty("runs_new") long runsNew, @JsonProperty("records_new") long recordsNew,
            @JsonProperty("records_total") long recordsTotal, @JsonProperty("tracker_new") int trackerNew,
            @JsonProperty("tracker_lines") int trackerLines, @JsonProperty("hashes_new") int hashesNew,
            int hashes, List<String> warnings) {
    }

    /** What a run folder's manifest and result say about its row. */
    private record RunFacts(String kind, String state, long seed, long capNanoUsd, ObjectNode manifest, ObjectNode result,
            String decision, Double llr, long pairs) {
    }

    public Summary importFolder(Path resultsDir) throws IOException {
        if (!Files.isDirectory(resultsDir)) {
            throw MetaorchException.invalidInput("store import: " + resultsDir + ": no such results folder");
        }
        Path runsDir = resultsDir.resolve("runs");
        ExperimentTracker tracker = new ExperimentTracker(resultsDir);
        HashDictionary dict = new HashDictionary(resultsDir);
        if (!Files.isDirectory(runsDir) && !Files.exists(tracker.file()) && !Files.exists(dict.file())) {
            throw MetaorchException.invalidInput("store import: " + resultsDir
                    + ": not a results folder (no runs/, experiments.jsonl or hashes.dict)");
        }
        // read first: a malformed dictionary fails the import before anything is written
        Map<String, String> hashes = dict.read();
        List<String> warnings = new ArrayList<>();
        List<RunImport> runs = new ArrayList<>();
        if (Files.isDirectory(runsDir)) {
            List<Path> folders;
            try (Stream<Path> s = Files.list(runsDir)) {
                folders = s.filter(Files::isDirectory).sorted().toList();
            }
            for (Path folder : folders) {
                String id = folder.getFileName().toString();
                if (!SafeIds.isSafe(id) || id.startsWith(".")) {
                    warnings.add(folder + ": not a run id; skipped");
                    continue;
                }
                runs.add(importRun(id, folder));
            }
        }
        int[] tracked = importTracker(tracker, warnings);
        int hashesNew;
        try (Connection c = pg.store().connection()) {
            hashesNew = pg.addHashes(c, hashes);
        } catch (SQLException e) {
            throw pg.fail("store the hash dictionary", e);
        }
        return new Summary(resultsDir.toString(), pg.store().url().toString(), runs,
                runs.stream().filter(RunImport::newRun).count(), runs.stream().mapToLong(RunImport::recordsNew).sum(),
                runs.stream().mapToLong(RunImport::recordsTotal).sum(), tracked[0], tracked[1], hashesNew, hashes.size(),
                warnings);
    }

    private RunImport importRun(String runId, Path folder) throws IOException {
        List<String> warnings = new ArrayList<>();
        RunFacts facts = facts(runId, folder, warnings);
        boolean newRun;
        long recordsNew = 0;
        int files = 0;
        try (Connection c = pg.store().connection()) {
            c.setAutoCommit(false);
            try {
                newRun = pg.insertRun(c, runId, facts.kind(), facts.state(), facts.seed(), facts.capNanoUsd(),
                        facts.manifest(), Json.object());
                for (var f : files(folder).entrySet()) {
                    pg.putFile(c, runId, f.getKey(), Files.readAllBytes(f.getValue()));
                    files++;
                }
                recordsNew = importRecords(c, runId, folder.resolve("sessions.jsonl"), warnings);
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw pg.fail("import run " + runId, e);
        }
        String state = facts.state();
        if (newRun) {
            if (facts.result() != null) {
                pg.finish(runId, state, facts.decision(), facts.llr(), facts.pairs(), facts.result());
            }
        } else {
            PgRuns.RunRow row = pg.run(runId).orElseThrow();
            state = row.state();
            if (facts.result() != null && row.result() == null) {
                if (row.state().equals("running") || row.state().equals("stopping")) {
                    warnings.add("the store has run " + runId + " " + row.state() + " (a coordinator holds it): its "
                            + "result.json was not imported");
                } else {
                    // finished in its folder since the last import
                    pg.finish(runId, facts.state(), facts.decision(), facts.llr(), facts.pairs(), facts.result());
                    state = facts.state();
                }
            }
        }
        return new RunImport(runId, facts.kind(), state, newRun, recordsNew, pg.recordCount(runId), files,
                List.copyOf(warnings));
    }

    private static RunFacts facts(String runId, Path folder, List<String> warnings) {
        ObjectNode manifest = readObject(folder.resolve("run.json"), warnings);
        ObjectNode result = readObject(folder.resolve("result.json"), warnings);
        JsonNode settings = manifest == null ? null : manifest.get("settings");
        String kind;
        if (manifest != null && manifest.path("kind").isTextual()) {
            kind = manifest.get("kind").asText();
        } else if (Files.isRegularFile(folder.resolve("try-record.json"))) {
            kind = "try";
        } else if (result != null && !result.has("decision") && (result.has("ranking") || "hub".equals(
                result.path("kind").asText()))) {
            kind = "hub";
        } else {
            kind = "run-experiment";
        }
        long seed = 0;
        long cap = 0;
        if (settings != null) {
            if (settings.path("seed").isIntegralNumber()) {
                seed = settings.get("seed").asLong();
            }
            JsonNode capUsd = settings.has("maxCostUsd") ? settings.get("maxCostUsd") : settings.get("budgetUsd");
            if (capUsd != null && capUsd.isNumber() && capUsd.asDouble() > 0 && Double.isFinite(capUsd.asDouble())) {
                cap = Money.nanos(capUsd.asDouble());
            }
        }
        if (seed == 0 && result != null && result.path("seed").isIntegralNumber()) {
            seed = result.get("seed").asLong();
        }
        String decision = result != null && result.path("decision").isTextual() ? result.get("decision").asText() : null;
        Double llr = result != null && result.path("llr").isNumber() ? result.get("llr").asDouble() : null;
        long pairs = result != null && result.path("pairs").isIntegralNumber() ? result.get("pairs").asLong() : 0;
        ObjectNode stored = manifest != null ? manifest : Json.object().put("run_id", runId).put("kind", kind);
        return new RunFacts(kind, result != null ? "finished" : "aborted", seed, cap, stored, result, decision, llr, pairs);
    }

    private static ObjectNode readObject(Path file, List<String> warnings) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode n = Json.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (n instanceof ObjectNode o && Json.firstNonFiniteNumber(o) == null) {
                return o;
            }
            warnings.add(file + ": not a JSON object; kept as a file only");
        } catch (IOException e) {
            warnings.add(file + ": unreadable (" + PgStore.firstLine(e.getMessage()) + "); kept as a file only");
        }
        return null;
    }

    /** The folder's files that go to run_files, by their path relative to the folder ('/' separated). */
    static Map<String, Path> files(Path folder) throws IOException {
        Map<String, Path> files = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Path rel = folder.relativize(p);
                String path = rel.toString().replace(java.io.File.separatorChar, '/');
                if (RunFiles.kept(path)) {
                    files.put(path, p);
                }
            }
        }
        return files;
    }

    /**
     * Streams the session log: every {@code \n}-terminated line that reads as a session record of
     * this run is sent as its exact text (a {@code \r} before the newline included), in batches.
     * An unterminated last line (a torn write, an append in progress) is not a record.
     */
    private long importRecords(Connection c, String runId, Path log, List<String> warnings) throws IOException,
            SQLException {
        if (!Files.isRegularFile(log)) {
            return 0;
        }
        long added = 0;
        long lineNo = 0;
        int skipped = 0;
        List<SessionRecord> records = new ArrayList<>(BATCH);
        List<String> lines = new ArrayList<>(BATCH);
        byte[] buf = new byte[8192];
        int len = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(log), 1 << 16)) {
            int b;
            while ((b = in.read()) >= 0) {
                if (b != '\n') {
                    if (len == buf.length) {
                        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                    }
                    buf[len++] = (byte) b;
                    continue;
                }
                lineNo++;
                if (!blank(buf, len)) {
                    String problem = null;
                    try {
                        SessionRecord r = SessionLogReader.parseLine(buf, 0, len);
                        if (!runId.equals(r.runId())) {
                            problem = "a record of run '" + r.runId() + "', not of " + runId;
                        } else {
                            records.add(r);
                            lines.add(new String(buf, 0, len, StandardCharsets.UTF_8));
                        }
                    } catch (IOException | RuntimeException e) {
                        problem = "not a session record (" + PgStore.firstLine(e.getMessage()) + ")";
                    }
                    if (problem != null && ++skipped <= MAX_WARNINGS) {
                        warnings.add(log + ": line " + lineNo + ": " + problem + "; not imported");
                    }
                    if (records.size() == BATCH) {
                        added += pg.insertRecords(c, records, lines);
                        records.clear();
                        lines.clear();
                    }
                }
                len = 0;
            }
        }
        added += pg.insertRecords(c, records, lines);
        if (skipped > MAX_WARNINGS) {
            warnings.add(log + ": " + (skipped - MAX_WARNINGS) + " more lines not imported");
        }
        if (len > 0) {
            warnings.add(log + ": unterminated last line of " + len + " bytes (torn write or append in progress); "
                    + "not imported");
        }
        return added;
    }

    private static boolean blank(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Adds the tracker lines the store lacks (exact text within their run); returns {new, read}. */
    private int[] importTracker(ExperimentTracker tracker, List<String> warnings) throws IOException {
        List<String> lines = tracker.lines();
        Map<String, Set<String>> known = new HashMap<>();
        int added = 0;
        int read = 0;
        try (Connection c = pg.store().connection()) {
            c.setAutoCommit(false);
            for (String line : lines) {
                JsonNode n;
                try {
                    n = Json.mapper().readTree(line);
                } catch (IOException e) {
                    n = null;
                }
                if (!(n instanceof ObjectNode o) || !o.path("run_id").isTextual()) {
                    warnings.add(tracker.file() + ": a line that is not a tracker entry; not imported");
                    continue;
                }
                read++;
                String runId = o.get("run_id").asText();
                Set<String> have = known.computeIfAbsent(runId, id -> new HashSet<>(pg.trackerLines(id)));
                if (have.add(line)) {
                    pg.appendTracker(c, runId, o.path("status").asText(""), line);
                    added++;
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw pg.fail("import the tracker", e);
        }
        return new int[] {added, read};
    }
}

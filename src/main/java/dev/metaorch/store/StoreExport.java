package dev.metaorch.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.experiment.ExperimentTracker;
import dev.metaorch.session.JsonlSessionStore;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * {@code metaorch store export RUN_ID DIR}: one run of the team store back in the JSONL layout,
 * {@code DIR/runs/RUN_ID/} (its stored files, {@code sessions.jsonl} from its records in the
 * order written, {@code result.json} from the run row when no such file was stored), its tracker
 * lines appended to {@code DIR/experiments.jsonl} (those not there yet) and the store's hash
 * dictionary merged into {@code DIR/hashes.dict}. Every local reader ({@code analyze},
 * {@code watch}, {@code report}, {@code experiments}) then reads it like a run made here.
 */
public final class StoreExport {
    private final PgRuns pg;

    public StoreExport(PgRuns pg) {
        this.pg = pg;
    }

    /** What the export wrote. */
    public record Summary(@JsonProperty("run_id") String runId, String folder, String state, long records, int files,
            @JsonProperty("result_from_row") boolean resultFromRow, @JsonProperty("tracker_new") int trackerNew,
            @JsonProperty("hashes_new") int hashesNew) {
    }

    public Summary export(String runId, Path dir, boolean force) throws IOException {
        SafeIds.require("store export: RUN_ID", runId);
        PgRuns.RunRow row = pg.run(runId).orElseThrow(() -> MetaorchException.invalidInput("store export: no run '"
                + runId + "' in " + pg.store().url()));
        Path runs = dir.resolve("runs");
        Path target = runs.resolve(runId);
        if (Files.exists(target) && !force) {
            throw MetaorchException.invalidInput("store export: " + target + " already exists; add --force to replace it");
        }
        Files.createDirectories(runs);
        Path tmp = runs.resolve("." + runId + ".export-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        long records;
        Map<String, byte[]> files = pg.files(runId);
        boolean resultFromRow = false;
        try {
            Files.createDirectory(tmp);
            for (var f : files.entrySet()) {
                Path file = inside(tmp, runId, f.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, f.getValue());
            }
            records = writeLog(runId, tmp.resolve("sessions.jsonl"), !row.kind().equals("try"));
            if (!files.containsKey("result.json") && row.result() != null) {
                AtomicFiles.writeJson(tmp.resolve("result.json"), row.result());
                resultFromRow = true;
            }
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDirectory(runs);
        } catch (IOException | RuntimeException e) {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
            throw e;
        }
        int trackerNew = appendTracker(runId, dir);
        int hashesNew = new HashDictionary(dir).addAll(pg.hashes());
        return new Summary(runId, target.toString(), row.state(), records, files.size(), resultFromRow, trackerNew,
                hashesNew);
    }

    /** The stored path as a file under the folder; a path that would leave it is refused. */
    private static Path inside(Path folder, String runId, String stored) {
        Path rel = Path.of(stored);
        Path file = folder.resolve(rel).normalize();
        if (stored.isEmpty() || rel.isAbsolute() || !file.startsWith(folder) || file.equals(folder)
                || stored.contains("\\") || stored.contains("\0")) {
            throw MetaorchException.invalidInput("store export: run_files of " + runId + ": '" + stored
                    + "' is not a path inside the run folder");
        }
        return file;
    }

    /** Writes the records in the order written, one exact line each; returns how many. */
    private long writeLog(String runId, Path file, boolean evenIfEmpty) throws IOException {
        long[] n = {0};
        try (FileOutputStream fos = new FileOutputStream(file.toFile());
                OutputStream out = new BufferedOutputStream(fos, 1 << 16)) {
            try {
                pg.forEachRecord(runId, 0, line -> {
                    try {
                        out.write(line.getBytes(StandardCharsets.UTF_8));
                        out.write('\n');
                        n[0]++;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            out.flush();
            fos.getFD().sync();
        }
        if (n[0] == 0 && !evenIfEmpty) {
            Files.delete(file);
        }
        return n[0];
    }

    /** Appends the run's tracker lines that the folder's tracker does not have (exact text). */
    private int appendTracker(String runId, Path dir) throws IOException {
        ExperimentTracker tracker = new ExperimentTracker(dir);
        Set<String> have = new HashSet<>(tracker.lines());
        int added = 0;
        JsonlSessionStore log = null;
        try {
            for (String line : pg.trackerLines(runId)) {
                if (have.add(line)) {
                    if (log == null) {
                        log = JsonlSessionStore.open(tracker.file());
                    }
                    log.appendLine(line);
                    added++;
                }
            }
        } finally {
            if (log != null) {
                log.close();
            }
        }
        return added;
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

package dev.metaorch.results;

import dev.metaorch.analysis.RunCatalog;
import dev.metaorch.analysis.RunInfo;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.experiment.ExperimentTracker;
import dev.metaorch.experiment.OwnerProbe;
import dev.metaorch.experiment.TrackerSource;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionLogReader;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The results folder ({@code results/}: {@code runs/RUN_ID/...}, {@code experiments.jsonl},
 * {@code hashes.dict}) as a {@link ResultStore}: the default, read exactly as before the
 * interface existed.
 */
public final class FolderResults implements ResultStore {
    private final Path results;
    private final RunCatalog catalog;

    public FolderResults(Path results) {
        this.results = results;
        this.catalog = new RunCatalog(results);
    }

    /** The results folder. */
    public Path folder() {
        return results;
    }

    @Override
    public String describe() {
        return results.resolve("runs").toString();
    }

    @Override
    public List<RunInfo> runs() throws IOException {
        return catalog.runs();
    }

    @Override
    public Optional<RunInfo> run(String runId) throws IOException {
        return catalog.run(runId);
    }

    private Path runDir(String runId) {
        return results.resolve("runs").resolve(SafeIds.require("RUN_ID", runId));
    }

    @Override
    public Optional<byte[]> file(String runId, String path) throws IOException {
        Path dir = runDir(runId);
        Path file = dir.resolve(path).normalize();
        if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(Files.readAllBytes(file));
    }

    @Override
    public List<String> fileNames(String runId) throws IOException {
        Path dir = runDir(runId);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public String place(String runId, String path) {
        return runDir(runId).resolve(path).toString();
    }

    private Path log(String runId) {
        return runDir(runId).resolve("sessions.jsonl");
    }

    @Override
    public boolean hasRecords(String runId) {
        return Files.isRegularFile(log(runId));
    }

    @Override
    public List<String> runsWithRecords() throws IOException {
        Path runs = results.resolve("runs");
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(runs)) {
            return ids;
        }
        try (Stream<Path> dirs = Files.list(runs)) {
            dirs.sorted().filter(d -> Files.isRegularFile(d.resolve("sessions.jsonl")))
                    .forEach(d -> ids.add(d.getFileName().toString()));
        }
        return ids;
    }

    @Override
    public long records(String runId, Consumer<SessionRecord> records, Consumer<LogProblem> problems) throws IOException {
        Path log = log(runId);
        if (!Files.isRegularFile(log)) {
            return 0;
        }
        SessionLogReader.read(log, records, problems);
        return Files.size(log);
    }

    @Override
    public RecordFeed follow(String runId) {
        return new LogFollower(log(runId));
    }

    @Override
    public RunEnd end(RunInfo run, Duration staleAfter, Instant now) throws IOException {
        var result = json(run.runId(), "result.json").orElse(null);
        if (result != null && run.kind() == RunInfo.Kind.AB) {
            return new RunEnd(result, false, false, "result.json written");
        }
        OwnerProbe.Owner owner = OwnerProbe.probe(runDir(run.runId()), staleAfter, now);
        boolean aborted = !owner.alive() && run.kind() == RunInfo.Kind.AB && "aborted".equals(trackerStatus(run.runId()));
        return new RunEnd(result, owner.alive(), aborted, owner.how());
    }

    /** The run's latest status in the tracker, null when it has none. */
    private String trackerStatus(String runId) throws IOException {
        String status = null;
        for (var e : new ExperimentTracker(results).runs()) {
            if (runId.equals(e.path("run_id").asText())) {
                status = e.path("status").asText(null);
            }
        }
        return status;
    }

    @Override
    public String resumeCommand(String runId) {
        return "metaorch run-experiment --resume " + runId + " --results " + results;
    }

    @Override
    public TrackerSource tracker() {
        return new ExperimentTracker(results);
    }

    @Override
    public Map<String, String> hashes() throws IOException {
        return new HashDictionary(results).read();
    }

    @Override
    public Optional<Path> localFolder(String runId) {
        return Optional.of(runDir(runId));
    }

    @Override
    public MetaorchException missingLog(String runId) {
        return MetaorchException.invalidInput("RUN_ID " + runId + ": no session log at " + log(runId));
    }

    @Override
    public void close() {
        // a folder holds no connection
    }
}

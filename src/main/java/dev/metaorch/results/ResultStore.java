package dev.metaorch.results;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.analysis.RunInfo;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.experiment.TrackerSource;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where every reader of results reads them ({@code experiments}, {@code analyze}, {@code pareto},
 * {@code report}, {@code watch}, {@code serve}): a results folder in the JSONL layout
 * ({@link FolderResults}, the default) or a team store in PostgreSQL ({@code store.PgResults},
 * chosen by {@code --store URL} or {@code METAORCH_STORE}). It reads runs, their files and
 * records, the tracker and the hash dictionary; it never writes (the writers keep their own
 * paths: the run folder, the coordinator and its workers, import). Safe for concurrent use.
 */
public interface ResultStore extends AutoCloseable {
    /** Where the runs are, for messages: the folder's {@code runs} path, or the store's URL (no password). */
    String describe();

    /** Every run, oldest first (ties by id). */
    List<RunInfo> runs() throws IOException;

    /** One run; empty when there is none with that id. */
    Optional<RunInfo> run(String runId) throws IOException;

    /**
     * A file of the run by its path in the run folder ({@code run.json}, {@code result.json},
     * {@code config.control.json}, ...); empty when the run has none (yet).
     */
    Optional<byte[]> file(String runId, String path) throws IOException;

    /** The names of the files directly in the run folder (not in its sub-folders), sorted. */
    List<String> fileNames(String runId) throws IOException;

    /** Where a run's file is, for messages: its path, or the store, run and path. */
    String place(String runId, String path);

    /** True when the run has at least one record. */
    boolean hasRecords(String runId) throws IOException;

    /** The runs with at least one record, by id. */
    List<String> runsWithRecords() throws IOException;

    /**
     * Streams every record of the run in the order written (none when it has none); lines that are
     * not records go to {@code problems} with their place. Returns the bytes read.
     */
    long records(String runId, Consumer<SessionRecord> records, Consumer<LogProblem> problems) throws IOException;

    /** Follows the run's records as they land ({@code watch}, the dashboard). */
    RecordFeed follow(String runId);

    /**
     * Where a run stands at one moment: its result (once decided) and whether its owner is still at
     * work. Read before the run's records, so that once it says the run ended, the records read
     * after it are all the run will have.
     */
    RunEnd end(RunInfo run, Duration staleAfter, Instant now) throws IOException;

    /** The command that resumes an interrupted run of this store. */
    String resumeCommand(String runId);

    /** The tracker (results/experiments.jsonl, or the store's tracker table). */
    TrackerSource tracker();

    /** hashes.dict: every config and guideline text by its hash. */
    Map<String, String> hashes() throws IOException;

    /**
     * The run's folder on this machine, for what only a folder keeps (agents' stderr logs,
     * transcripts, the LLM exchanges of {@code analyze --llm}); empty for a store.
     */
    Optional<Path> localFolder(String runId);

    /** The error for a run named on the command line that has no session log here (exit 2). */
    MetaorchException missingLog(String runId);

    /** Releases the connections (a folder holds none). */
    @Override
    void close();

    /** A file of the run as JSON; empty when absent; exit-2 error naming its place when not JSON. */
    default Optional<JsonNode> json(String runId, String path) throws IOException {
        Optional<byte[]> bytes = file(runId, path);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Json.mapper().readTree(bytes.get()));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw MetaorchException.invalidInput(place(runId, path) + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }
}

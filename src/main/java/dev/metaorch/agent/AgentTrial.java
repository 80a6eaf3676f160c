package dev.metaorch.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.proxy.Transcript;
import dev.metaorch.proxy.TranscriptEntry;
import dev.metaorch.runner.ArmFactory;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.runner.RunnerOptions;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionRunner;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.session.SessionStore;
import dev.metaorch.variant.Cancellation;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import dev.metaorch.variant.Variant;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * {@code metaorch try}: one session of one config, through the same runner, variant and proxy
 * as a real run, so the record shown is the record a run would store. Nothing is appended to a
 * {@code sessions.jsonl}: a tried or replayed session never enters a test. The session's files
 * (transcript, agent stderr, recording, and {@code try-record.json}) go to
 * {@code <results>/runs/try-<timestamp>/}.
 */
public final class AgentTrial {
    /** What {@code try} shows: the record, the transcript, every problem, and for a replay how it compares. */
    public record Report(String runId, SessionRecord record, List<TranscriptEntry> transcript, Path transcriptFile,
            List<ProtocolCheck.Problem> problems, Path stderrLog, Optional<Boolean> replayIdentical, Path original) {
    }

    /** What to try: a config (with overrides), a task id (default: the suite's first task), where results go. */
    public record Options(Path config, List<String> overrides, String taskId, boolean record, Path results, Path plugins,
            Path prices) {
    }

    private AgentTrial() {
    }

    public static Report run(Options o) throws IOException, InterruptedException {
        List<String> sets = new ArrayList<>(o.overrides());
        if (o.record()) {
            sets.add("params.llm_record=true");
        }
        ResolvedConfig config = new ConfigLoader().load(o.config(), sets);
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        List<Task> tasks = suite.restrictedTo(config.taskCodes());
        Task task = o.taskId() == null ? tasks.get(0) : tasks.stream().filter(t -> t.id().equals(o.taskId())).findFirst()
                .orElseThrow(() -> MetaorchException.invalidInput("--task: no task '" + o.taskId() + "' in "
                        + ConfigLoader.display(suite.file()) + " (first ones: "
                        + tasks.stream().limit(5).map(Task::id).toList() + ")"));
        RunFolder folder = new RunFolder(o.results(), RunFolder.newRunId("try"));
        java.nio.file.Files.createDirectories(folder.logs());
        ArmFactory factory = new ArmFactory(VariantRegistry.load(o.plugins()), o.prices());
        ArmSetup arm = factory.create("try", config, suite, folder.logs());
        folder.writeConfig("try", config);
        // the price table beside the snapshot, so a replay prices the same way
        Files.copy(dev.metaorch.config.PriceTable.locate(o.prices(), config.chain()).file(), folder.dir().resolve("prices.json"));
        var run = config.run();
        Capture store = new Capture();
        SessionRecord rec;
        try (Variant v = arm.variant(); SessionRunner runner = new SessionRunner(store, folder.runId(), run.seed(),
                new RunnerOptions(1, run.timeoutS(), 0, 0, run.maxSteps(), run.maxCostUsd(), folder.logs()), r -> { })) {
            rec = runner.submit(new SessionJob(arm, 0, 0, task)).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : MetaorchException.runtime("try failed", e.getCause());
        }
        AtomicFiles.writeJson(folder.dir().resolve("try-record.json"), rec);
        Path tFile = Transcript.file(folder.dir(), rec.sessionId(), rec.attempt());
        List<TranscriptEntry> t = Files.isRegularFile(tFile) ? Transcript.read(tFile) : List.of();
        Path stderr = folder.logs().resolve(rec.sessionId().replace('/', '_') + ".a" + rec.attempt() + ".stderr.log");
        return new Report(folder.runId(), rec, t, tFile, ProtocolCheck.check(t, rec.outcome(),
                rec.error() == null ? null : rec.error().message()), stderr, Optional.empty(), null);
    }

    /**
     * Replays a recorded session: the same start message (session id, task, seed, attempt), the
     * recorded LLM answers instead of the upstream, nothing paid. The replay's files go to
     * {@code <results>/replays/<timestamp>/runs/<run-id>/}; its transcript is compared byte for
     * byte with the original's.
     */
    public static Report replay(String sessionId, Integer attempt, Path results, Path plugins, Path prices)
            throws IOException, InterruptedException {
        String[] parts = sessionId.split("/");
        if (parts.length < 3) {
            throw MetaorchException.invalidInput("--replay: expected a session id <run-id>/<arm>/<pair>, got '" + sessionId + "'");
        }
        for (String p : parts) {
            SafeIds.require("session id part", p);
        }
        RunFolder original = new RunFolder(results, parts[0]);
        SessionRecord rec = findRecord(original, sessionId, attempt);
        Path recording = original.dir().resolve("recordings").resolve(sessionId.replace('/', '_') + ".a" + rec.attempt() + ".jsonl");
        if (!Files.isRegularFile(recording)) {
            throw MetaorchException.invalidInput(recording + ": no recording of " + sessionId + " attempt " + rec.attempt()
                    + " (record sessions with metaorch try --record, or --set params.llm_record=true)");
        }
        Path configFile = original.config(rec.arm());
        if (!Files.isRegularFile(configFile)) {
            throw MetaorchException.invalidInput(configFile + ": missing: the run's resolved config is needed to replay " + sessionId);
        }
        RunFolder replayFolder = new RunFolder(results.resolve("replays").resolve(RunFolder.newRunId("replay")), parts[0]);
        java.nio.file.Files.createDirectories(replayFolder.logs());
        // the run's resolved config, with the recording in place of the upstream
        JsonNode snapshot = Json.mapper().readTree(configFile.toFile());
        ((ObjectNode) snapshot.path("params")).put("llm_replay", recording.toAbsolutePath().toString()).put("llm_record", false);
        AtomicFiles.writeJson(replayFolder.config(rec.arm()), snapshot);
        ResolvedConfig config = new ConfigLoader().loadSnapshot(replayFolder.config(rec.arm()));
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        Task task = suite.tasks().stream().filter(t -> t.id().equals(rec.task().id())).findFirst()
                .orElseThrow(() -> MetaorchException.invalidInput(ConfigLoader.display(suite.file()) + ": task '"
                        + rec.task().id() + "' of " + sessionId + " is no longer in the suite"));
        Path kept = original.dir().resolve("prices.json");
        ArmFactory factory = new ArmFactory(VariantRegistry.load(plugins),
                prices == null && Files.isRegularFile(kept) ? kept : prices);
        ArmSetup arm = factory.create(rec.arm(), config, suite, replayFolder.logs());
        var run = config.run();
        Path stderr = replayFolder.logs().resolve(sessionId.replace('/', '_') + ".a" + rec.attempt() + ".stderr.log");
        SessionResult result;
        try (Variant v = arm.variant()) {
            result = v.run(new SessionRequest(sessionId, rec.pair(), task, config, rec.seed(), rec.attempt(),
                    Instant.now().plusMillis((long) (run.timeoutS() * 1000)), new Cancellation(),
                    new SessionRequest.Limits(run.timeoutS(), run.maxSteps(), run.maxCostUsd()), stderr));
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw MetaorchException.runtime("replay failed: " + e.getMessage(), e);
        }
        Path tFile = Transcript.file(replayFolder.dir(), sessionId, rec.attempt());
        Path origT = Transcript.file(original.dir(), sessionId, rec.attempt());
        List<TranscriptEntry> t = Transcript.read(tFile);
        Optional<Boolean> same = Files.isRegularFile(origT)
                ? Optional.of(java.util.Arrays.equals(Files.readAllBytes(origT), Files.readAllBytes(tFile))) : Optional.empty();
        return new Report(parts[0], rec, t, tFile, ProtocolCheck.check(t, result.outcome(),
                result.error() == null ? null : result.error().message()), stderr, same, origT);
    }

    private static SessionRecord findRecord(RunFolder run, String sessionId, Integer attempt) throws IOException {
        List<SessionRecord> found = new ArrayList<>();
        Path tryRecord = run.dir().resolve("try-record.json");
        if (Files.isRegularFile(tryRecord)) {
            found.add(Json.mapper().readValue(tryRecord.toFile(), SessionRecord.class));
        }
        if (Files.isRegularFile(run.sessions())) {
            try (var store = dev.metaorch.session.JsonlSessionStore.open(run.sessions())) {
                store.forEach(found::add, p -> { });
            }
        }
        return found.stream().filter(r -> r.sessionId().equals(sessionId))
                .filter(r -> attempt == null || r.attempt() == attempt)
                .reduce((a, b) -> b.attempt() >= a.attempt() ? b : a)
                .orElseThrow(() -> MetaorchException.invalidInput(run.dir() + ": no session " + sessionId
                        + (attempt == null ? "" : " attempt " + attempt)));
    }

    /** Keeps the one record of a try in memory: it never goes to a sessions.jsonl. */
    private static final class Capture implements SessionStore {
        private final List<SessionRecord> records = new ArrayList<>();

        @Override
        public synchronized void append(SessionRecord record) {
            records.add(record);
        }

        @Override
        public synchronized void forEach(Consumer<SessionRecord> consumer, Consumer<LogProblem> problems) {
            records.forEach(consumer);
        }

        @Override
        public void close() {
        }
    }
}

package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.analysis.RunCatalog;
import dev.metaorch.analysis.RunInfo;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one adapter through which {@code watch} and {@code serve} read a run's state: status
 * (running, decided, aborted, dead, finished), the decision rule's state, per-arm success, money
 * and session figures, ETA. It reads run.json, result.json, sessions.jsonl and the tracker, and
 * asks {@link OwnerProbe} whether the owner lives. Logs are followed incrementally, so polling
 * every second costs only what was appended. Thread-safe (one lock; the work per call is small).
 * <p>When the ledger lands (one class computing a run's figures), {@link RunReplay#figures} is the
 * one place to switch over.
 */
public final class RunStateSource {
    private final Path results;
    private final RunCatalog catalog;
    private final Clock clock;
    private final Map<String, RunReplay> replays = new HashMap<>();

    public RunStateSource(Path results, Clock clock) {
        this.results = results;
        this.catalog = new RunCatalog(results);
        this.clock = clock;
    }

    public Path results() {
        return results;
    }

    public RunCatalog catalog() {
        return catalog;
    }

    /** Every run's state, newest first. */
    public List<RunState> states() throws IOException {
        List<RunInfo> runs = new ArrayList<>(catalog.runs());
        java.util.Collections.reverse(runs);
        List<RunState> out = new ArrayList<>();
        for (RunInfo r : runs) {
            out.add(state(r));
        }
        return out;
    }

    /** One run's state; exit-2 error when there is no such run. */
    public RunState state(String runId) throws IOException {
        RunInfo info = catalog.run(runId).orElseThrow(() -> MetaorchException.invalidInput("RUN_ID " + runId
                + ": no run with that id in " + results.resolve("runs")));
        return state(info);
    }

    public RunState state(RunInfo info) throws IOException {
        Path dir = info.dir();
        JsonNode result = readJson(dir.resolve("result.json"));
        RunReplay replay;
        synchronized (replays) {
            replay = replays.get(info.runId());
            if (replay == null) {
                replay = new RunReplay(dir.resolve("sessions.jsonl"), settings(dir, info));
                replays.put(info.runId(), replay);
            }
        }
        synchronized (replay) {
            replay.poll();
            return assemble(info, replay, result);
        }
    }

    private RunState assemble(RunInfo info, RunReplay replay, JsonNode result) throws IOException {
        Instant now = clock.instant();
        AbExperiment.Settings s = replay.settings();
        RunStatus status;
        String statusReason;
        if (result != null && info.kind() == RunInfo.Kind.AB) {
            status = RunStatus.DECIDED;
            statusReason = "result.json written";
        } else {
            OwnerProbe.Owner owner = OwnerProbe.probe(info.dir(), staleAfter(s), now);
            if (owner.alive()) {
                status = RunStatus.RUNNING;
            } else if (info.kind() != RunInfo.Kind.AB) {
                status = RunStatus.FINISHED;
            } else if ("aborted".equals(trackerStatus(info.runId()))) {
                status = RunStatus.ABORTED;
            } else {
                status = RunStatus.DEAD;
            }
            statusReason = owner.how();
        }
        RunState.Rule rule = null;
        String ruleState = null;
        if (s != null) {
            StoppingRule.Evaluation ev = replay.evaluation();
            PairCounts c = replay.counts();
            rule = new RunState.Rule(replay.testName(), c.pairs(), c.wins(), c.ties(), c.losses(), ev.llr(), ev.lower(),
                    ev.upper(), (long) Math.ceil(s.fixedNRaw()), s.capPairs(), replay.brokenPairs());
            ruleState = ruleState(s, ev, c, status);
        }
        RunState.Figures figures = replay.figures(status == RunStatus.RUNNING);
        Double eta = null;
        String etaBasis = null;
        if (status == RunStatus.RUNNING && rule != null && replay.firstStart() != null && rule.pairs() > 0) {
            long expected = (long) Math.ceil(s.fixedNRaw() * 0.6);
            long target = rule.pairs() < expected ? expected : s.capPairs();
            double perPair = Math.max(0, Duration.between(replay.firstStart(), now).toMillis() / 1000.0) / rule.pairs();
            eta = Math.max(0, target - rule.pairs()) * perPair;
            etaBasis = "rough: " + target + " pairs expected (0.6 x fixed n, then the cap), at the pace since the first"
                    + " session";
        }
        String decision = result == null ? null : result.path("decision").asText(null);
        String reason = result == null ? null : result.path("reason").asText(null);
        RunState.Effect effect = null;
        if (result != null && result.has("effect")) {
            effect = Json.mapper().treeToValue(result.get("effect"), RunState.Effect.class);
        }
        Path log = info.dir().resolve("sessions.jsonl");
        String updated = Files.isRegularFile(log) ? Files.getLastModifiedTime(log).toInstant().toString() : null;
        return new RunState(info.runId(), info.kind().label(), info.experiment(), status, statusReason, decision, reason,
                ruleState, rule, replay.arms(info.arms()), figures, eta, etaBasis,
                s == null ? null : s.metric().label(), info.startedAt().toString(), updated,
                status.resumable() ? resumeCommand(info.runId()) : null, replay.trace(), effect);
    }

    private static String ruleState(AbExperiment.Settings s, StoppingRule.Evaluation ev, PairCounts c, RunStatus status) {
        if (s.method() == Method.FIXED) {
            return String.format(java.util.Locale.ROOT, "fixed design: %d of %d pairs; decided by a sign test at the end",
                    c.pairs(), s.capPairs());
        }
        if (ev.decision().isFinal()) {
            return "stopped: " + ev.decision().label() + " after " + c.pairs() + " pairs";
        }
        String where = String.format(java.util.Locale.ROOT, "LLR %.3f between the bounds %.3f and %.3f after %d pairs "
                + "(cap %d)", ev.llr(), ev.lower(), ev.upper(), c.pairs(), s.capPairs());
        return (status == RunStatus.RUNNING ? "continue: " : "not decided: ") + where;
    }

    /** The command that resumes an interrupted run. */
    public String resumeCommand(String runId) {
        return "metaorch run-experiment --resume " + runId + " --results " + results;
    }

    private static Duration staleAfter(AbExperiment.Settings s) {
        if (s == null) {
            return Duration.ofMinutes(10);
        }
        return Duration.ofSeconds((long) (2 * s.timeoutS() * (s.retries() + 1)) + 60);
    }

    private String trackerStatus(String runId) throws IOException {
        String status = null;
        for (var e : new ExperimentTracker(results).runs()) {
            if (runId.equals(e.path("run_id").asText())) {
                status = e.path("status").asText(null);
            }
        }
        return status;
    }

    private static AbExperiment.Settings settings(Path dir, RunInfo info) throws IOException {
        if (info.kind() != RunInfo.Kind.AB) {
            return null;
        }
        JsonNode m = readJson(dir.resolve("run.json"));
        if (m == null || !m.has("settings")) {
            return null;
        }
        return Json.mapper().treeToValue(m.get("settings"), AbExperiment.Settings.class);
    }

    private static JsonNode readJson(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return Json.mapper().readTree(Files.readString(p));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw MetaorchException.invalidInput(p + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }
}

package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.analysis.RunInfo;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.results.FolderResults;
import dev.metaorch.results.RecordFeed;
import dev.metaorch.results.ResultStore;
import dev.metaorch.results.RunEnd;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.io.IOException;
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
 * and session figures, ETA. It reads them from a {@link ResultStore} (a results folder, or a team
 * store): the run, its result and whether its owner is at work ({@link ResultStore#end}), then its
 * records. Records are followed incrementally ({@link RecordFeed}), so polling every second costs
 * only what landed. Thread-safe (one lock per run; the work per call is small).
 * <p>When the ledger lands (one class computing a run's figures), {@link RunReplay#figures} is the
 * one place to switch over.
 */
public final class RunStateSource {
    private final ResultStore store;
    private final Clock clock;
    private final Map<String, RunReplay> replays = new HashMap<>();

    public RunStateSource(Path results, Clock clock) {
        this(new FolderResults(results), clock);
    }

    public RunStateSource(ResultStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public ResultStore store() {
        return store;
    }

    /** Every run's state, newest first. */
    public List<RunState> states() throws IOException {
        List<RunInfo> runs = new ArrayList<>(store.runs());
        java.util.Collections.reverse(runs);
        List<RunState> out = new ArrayList<>();
        for (RunInfo r : runs) {
            out.add(state(r));
        }
        return out;
    }

    /** One run's state; exit-2 error when there is no such run. */
    public RunState state(String runId) throws IOException {
        return state(info(runId));
    }

    private RunInfo info(String runId) throws IOException {
        return store.run(runId).orElseThrow(() -> MetaorchException.invalidInput("RUN_ID " + runId
                + ": no run with that id in " + store.describe()));
    }

    public RunState state(RunInfo info) throws IOException {
        RunReplay replay = replay(info);
        synchronized (replay) {
            // the run's end first, then its records: once the end says no more will land, the
            // records read after it are all of them
            RunEnd end = store.end(info, staleAfter(replay.settings()), clock.instant());
            replay.poll();
            return assemble(info, replay, end);
        }
    }

    /**
     * The sessions of a run that landed last ({@code max} at most, newest first), from the same
     * replay as its state (so a refresh reads only what landed since).
     */
    public RunSessions sessions(String runId, int max) throws IOException {
        RunReplay replay = replay(info(runId));
        synchronized (replay) {
            replay.poll();
            return replay.sessions(max);
        }
    }

    private RunReplay replay(RunInfo info) throws IOException {
        synchronized (replays) {
            RunReplay replay = replays.get(info.runId());
            if (replay == null) {
                replay = new RunReplay(store.follow(info.runId()), settings(info));
                replays.put(info.runId(), replay);
            }
            return replay;
        }
    }

    private RunState assemble(RunInfo info, RunReplay replay, RunEnd end) throws IOException {
        Instant now = clock.instant();
        AbExperiment.Settings s = replay.settings();
        JsonNode result = end.result();
        RunStatus status;
        if (result != null && info.kind() == RunInfo.Kind.AB) {
            status = RunStatus.DECIDED;
        } else if (end.alive()) {
            status = RunStatus.RUNNING;
        } else if (info.kind() != RunInfo.Kind.AB) {
            status = RunStatus.FINISHED;
        } else if (end.aborted()) {
            status = RunStatus.ABORTED;
        } else {
            status = RunStatus.DEAD;
        }
        String statusReason = end.how();
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
        Instant lastWrite = replay.lastWrite();
        String updated = lastWrite == null ? null : lastWrite.toString();
        return new RunState(info.runId(), info.kind().label(), info.experiment(), status, statusReason, decision, reason,
                ruleState, rule, replay.arms(info.arms()), figures,
                eta == null ? null : Math.round(eta * 10) / 10.0, etaBasis, // an estimate: a tenth of a second is plenty
                s == null ? null : s.metric().label(), info.startedAt().toString(), updated,
                status.resumable() ? store.resumeCommand(info.runId()) : null, replay.trace(), effect);
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

    private static Duration staleAfter(AbExperiment.Settings s) {
        if (s == null) {
            return Duration.ofMinutes(10);
        }
        return Duration.ofSeconds((long) (2 * s.timeoutS() * (s.retries() + 1)) + 60);
    }

    private AbExperiment.Settings settings(RunInfo info) throws IOException {
        if (info.kind() != RunInfo.Kind.AB) {
            return null;
        }
        JsonNode m = store.json(info.runId(), "run.json").orElse(null);
        if (m == null || !m.has("settings")) {
            return null;
        }
        return Json.mapper().treeToValue(m.get("settings"), AbExperiment.Settings.class);
    }
}

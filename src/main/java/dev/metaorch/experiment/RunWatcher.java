package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Follows a run's {@code sessions.jsonl} from another process (or after the fact) and replays
 * the stopping rule in pair order, exactly as the run does, to show its live status. Reads only
 * complete lines, from where it stopped last time.
 */
public final class RunWatcher {
    private final RunFolder folder;
    private final AbExperiment.Settings settings;
    private final StoppingRule rule;
    private final Map<Long, SessionRecord[]> finals = new HashMap<>();
    private long offset;
    private long nextEval;
    private PairCounts counts = PairCounts.EMPTY;
    private StoppingRule.Evaluation last;
    private double spend;
    private long successesControl;
    private long successesTest;
    private long sessions;

    public RunWatcher(Path resultsDir, String runId) throws IOException {
        this.folder = new RunFolder(resultsDir, SafeIds.require("RUN_ID", runId));
        if (!Files.isRegularFile(folder.manifest())) {
            throw MetaorchException.invalidInput("RUN_ID " + runId + ": no run-experiment run with that id in "
                    + resultsDir.resolve("runs"));
        }
        JsonNode manifest = Json.mapper().readTree(Files.readString(folder.manifest()));
        if (!manifest.path("kind").asText("run-experiment").equals("run-experiment")) { // hub runs have a run.json too
            throw MetaorchException.invalidInput("RUN_ID " + runId + ": no run-experiment run with that id in "
                    + resultsDir.resolve("runs") + " (it is a " + manifest.path("kind").asText() + " run)");
        }
        this.settings = Json.mapper().treeToValue(manifest.get("settings"), AbExperiment.Settings.class);
        this.rule = AbExperiment.ruleFor(settings);
        this.last = rule.evaluate(counts);
    }

    public boolean finished() {
        return Files.isRegularFile(folder.result());
    }

    public Path resultFile() {
        return folder.result();
    }

    /** Reads what was appended since the last call; returns the current status. */
    public ExperimentStatus poll() throws IOException {
        Path file = folder.sessions();
        if (Files.exists(file)) {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                long size = raf.length();
                if (size > offset) {
                    byte[] bytes = new byte[(int) Math.min(size - offset, 64L << 20)];
                    raf.seek(offset);
                    raf.readFully(bytes);
                    int start = 0;
                    for (int i = 0; i < bytes.length; i++) {
                        if (bytes[i] == '\n') {
                            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                            start = i + 1;
                            accept(line);
                        }
                    }
                    offset += start;
                }
            }
        }
        return new ExperimentStatus(counts.pairs(), counts.wins(), counts.ties(), counts.losses(), last.llr(), last.lower(),
                last.upper(), counts.pairs() == 0 ? 0 : (double) successesControl / counts.pairs(),
                counts.pairs() == 0 ? 0 : (double) successesTest / counts.pairs(), spend, 0, sessions, 0,
                (long) Math.ceil(settings.fixedNRaw()));
    }

    private void accept(String line) {
        SessionRecord r;
        try {
            r = Json.mapper().readValue(line, SessionRecord.class);
        } catch (IOException e) {
            return;
        }
        sessions++;
        spend += r.costUsd();
        if (r.outcome() == Outcome.CANCELLED || (r.outcome().isInfrastructure() && r.attempt() <= settings.retries())) {
            return;
        }
        SessionRecord[] pair = finals.computeIfAbsent(r.pair(), k -> new SessionRecord[2]);
        pair[r.arm().equals(AbExperiment.CONTROL) ? 0 : 1] = r;
        while (finals.containsKey(nextEval) && finals.get(nextEval)[0] != null && finals.get(nextEval)[1] != null
                && !last.decision().isFinal()) {
            SessionRecord[] p = finals.remove(nextEval++);
            if (p[0].outcome().isInfrastructure() || p[1].outcome().isInfrastructure()) {
                continue;
            }
            counts = counts.plus(p[0].success(), p[1].success(), p[0].success() ? 1 : 0, p[1].success() ? 1 : 0);
            successesControl += p[0].success() ? 1 : 0;
            successesTest += p[1].success() ? 1 : 0;
            last = rule.evaluate(counts);
        }
    }
}

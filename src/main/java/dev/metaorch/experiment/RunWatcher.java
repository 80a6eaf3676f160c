package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.common.Money;
import dev.metaorch.session.RunLedger;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Follows a run's {@code sessions.jsonl} from another process (or after the fact) and replays
 * the stopping rule in pair order, exactly as the run does, to show its live status. Reads only
 * complete lines, from where it stopped last time.
 */
public final class RunWatcher {
    private final RunFolder folder;
    private final AbExperiment.Settings settings;
    private final StoppingRule rule;
    private final PairedTest test;
    private final RunLedger ledger = new RunLedger();
    private long offset;

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
        this.test = new PairedTest(rule, settings.retries(), settings.method() == Method.FIXED, settings.capPairs(),
                settings.metric());
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
        PairCounts c = test.counts();
        long n = c.pairs();
        StoppingRule.Evaluation e = test.evaluation();
        return new ExperimentStatus(n, c.wins(), c.ties(), c.losses(), e.llr(), e.lower(), e.upper(),
                n == 0 ? 0 : (double) test.successes(PairedTest.CONTROL) / n,
                n == 0 ? 0 : (double) test.successes(PairedTest.TEST) / n, Money.usd(ledger.spendNanos()), 0,
                ledger.sessions(), 0, (long) Math.ceil(settings.fixedNRaw()), settings.maxCostUsd(),
                test.infrastructureFinals(PairedTest.CONTROL), test.infrastructureFinals(PairedTest.TEST));
    }

    /** The ledger's figures of what was read so far. */
    public RunLedger.Figures figures() {
        return ledger.figures(null);
    }

    private void accept(String line) {
        SessionRecord r;
        try {
            r = Json.mapper().readValue(line, SessionRecord.class);
        } catch (IOException e) {
            return;
        }
        ledger.add(r);
        test.accept(r, ExperimentPlan.armIndex(r));
    }
}

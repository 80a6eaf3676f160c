package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.experiment.RunState;
import dev.metaorch.experiment.RunStateSource;
import dev.metaorch.experiment.RunStatus;
import dev.metaorch.results.ResultStore;
import dev.metaorch.store.ResultStores;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code metaorch watch RUN_ID}: follows a run through the same {@link RunStateSource} as the
 * dashboard, over the results folder or, with {@code --store}, the team store (a run coordinated
 * on another machine). Ends when the run is decided (summary on stdout, exit 0), or aborted or
 * dead (the resume command, exit 1). {@code --once} prints the current state on stdout and exits 0.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Follow a run-experiment run until it is decided, aborted or dead.",
            "Shows its live state (status, pairs, W/T/L, LLR against its bounds, success rates, spend against the cap). "
                + "Exit 0 when decided, 1 when aborted or dead (the resume command is printed).",
            "With --store (or $METAORCH_STORE): a run in the team store, live wherever its coordinator runs; it ends "
                + "when the store's run row says finished or aborted, or the coordinator's lock is gone."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch watch exp_042-20261122-101500-123", "  metaorch watch RUN_ID --once --json",
            "  metaorch watch RUN_ID --store postgresql://db.team:5432/metaorch"})
final class WatchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN_ID", description = "The run to follow.") String runId;
    @Mixin SharedOptions.ResultsDir resultsDir;
    @Mixin SharedOptions.Store store;
    @Option(names = "--interval-ms", defaultValue = "1000", description = "Poll interval in milliseconds.") long intervalMs;
    @Option(names = "--once", description = "Print the current state on stdout once and exit.") boolean once;
    @Mixin SharedOptions.JsonOutput jsonOutput;

    @Override
    public Integer call() throws Exception {
        if (intervalMs < 1) {
            throw MetaorchException.invalidInput("--interval-ms: must be >= 1, got " + intervalMs);
        }
        try (ResultStore results = ResultStores.open(resultsDir.dir, store.optional())) {
            return watch(results, jsonOutput.console());
        }
    }

    private int watch(ResultStore results, Console console) throws Exception {
        boolean json = jsonOutput.enabled;
        RunStateSource source = new RunStateSource(results, Clock.systemUTC());
        String last = null;
        while (true) {
            RunState s = source.state(runId);
            if (!s.kind().equals("ab")) {
                throw MetaorchException.invalidInput("RUN_ID " + runId + ": no run-experiment run with that id in "
                        + results.describe() + " (it is a " + s.kind() + " run; the dashboard shows it)");
            }
            String line = line(s);
            if (once) {
                if (json) {
                    console.json(s);
                } else {
                    console.out().println(line);
                    if (s.resumeCommand() != null) {
                        console.out().println("resume with: " + s.resumeCommand());
                    }
                }
                return ExitCodes.OK;
            }
            if (!line.equals(last)) {
                console.info(line);
                last = line;
            }
            if (s.status().ended()) {
                if (json) {
                    console.json(s);
                } else if (s.status() == RunStatus.DECIDED) {
                    var result = Json.mapper().treeToValue(results.json(runId, "result.json").orElseThrow(),
                            dev.metaorch.experiment.ExperimentResult.class);
                    ExperimentSummary.print(console.out(), result, results.place(runId, "result.json"));
                } else {
                    console.out().println("run " + runId + " is " + s.status().label() + " (" + s.statusReason() + ")");
                    if (s.resumeCommand() != null) {
                        console.out().println("resume with: " + s.resumeCommand());
                    }
                }
                return s.status().resumable() ? ExitCodes.RUNTIME_FAILURE : ExitCodes.OK;
            }
            Thread.sleep(intervalMs);
        }
    }

    /** One line of state; the same figures as the dashboard's run page. */
    static String line(RunState s) {
        StringBuilder b = new StringBuilder(s.status().label());
        var r = s.rule();
        if (r != null) {
            b.append(String.format(Locale.ROOT, "  pairs %d  W/T/L %d/%d/%d  LLR %+.3f in [%.3f, %.3f]", r.pairs(), r.wins(),
                    r.ties(), r.losses(), r.llr(), r.lower(), r.upper()));
        }
        for (RunState.Arm a : s.arms()) {
            b.append(String.format(Locale.ROOT, "  %s %.2f", a.arm(), a.successRate()));
        }
        var f = s.figures();
        b.append(String.format(Locale.ROOT, "  attempts %d  spend $%.4f", f.attempts(), f.spendUsd()));
        if (f.capUsd() != null) {
            b.append(String.format(Locale.ROOT, " of $%.2f", f.capUsd()));
        }
        if (s.status() == RunStatus.RUNNING) {
            b.append("  in flight >= ").append(f.inFlight());
            if (s.etaSeconds() != null) {
                b.append(String.format(Locale.ROOT, "  ETA %.0fs", s.etaSeconds()));
            }
        }
        if (s.decision() != null) {
            b.append("  decision ").append(s.decision());
        }
        return b.toString();
    }
}

package dev.metaorch.cli;

import java.util.Locale;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.experiment.ExperimentStatus;
import dev.metaorch.experiment.RunWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code metaorch watch RUN_ID}: live status of a run-experiment from its session log. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follow a run-experiment's session log and show its live status (pairs, W/T/L, LLR "
            + "against its bounds, success rates, spend) until its result is written.",
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch watch exp_042-20261122-101500-123", "  metaorch watch RUN_ID --once --json"})
final class WatchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN_ID", description = "The run to follow.") String runId;
    @Mixin SharedOptions.ResultsDir results;
    @Option(names = "--interval-ms", defaultValue = "1000", description = "Poll interval in milliseconds.") long intervalMs;
    @Option(names = "--once", description = "Print the current status once and exit.") boolean once;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws Exception {
        Console console = json.console();
        RunWatcher watcher = new RunWatcher(results.dir, runId);
        ExperimentStatus last = null;
        try (StatusLine status = new StatusLine(console.err(), StatusLine.interactive())) {
            while (true) {
                boolean finished = watcher.finished();
                ExperimentStatus s = watcher.poll();
                if (!s.equals(last)) {
                    status.show(String.format(Locale.ROOT, "pairs %d  W/T/L %d/%d/%d  LLR %+.3f in [%.3f, %.3f]  "
                            + "success control %.2f test %.2f  errors+timeouts %d/%d  sessions %d  spend $%.4f of $%.2f",
                            s.pairs(), s.wins(), s.ties(), s.losses(), s.llr(), s.lower(), s.upper(), s.controlRate(),
                            s.testRate(), s.controlInfrastructure(), s.testInfrastructure(), s.sessionsDone(), s.spendUsd(),
                            s.maxCostUsd()));
                    last = s;
                }
                if (finished || once) {
                    status.close();
                    if (json.enabled) {
                        console.json(s);
                    } else if (finished) {
                        var result = Json.mapper().readValue(watcher.resultFile().toFile(),
                                dev.metaorch.experiment.ExperimentResult.class);
                        ExperimentSummary.print(console.out(), result, results.dir);
                    }
                    return ExitCodes.OK;
                }
                Thread.sleep(intervalMs);
            }
        }
    }
}

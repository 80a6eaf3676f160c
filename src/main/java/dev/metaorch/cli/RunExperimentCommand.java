package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.experiment.AbExperiment;
import dev.metaorch.experiment.ExperimentOptions;
import dev.metaorch.experiment.ExperimentResult;
import dev.metaorch.experiment.ExperimentStatus;
import dev.metaorch.experiment.Metric;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch run-experiment}: control vs test with a sequential stopping rule. */
@Command(name = "run-experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a control config against a test config, paired by task, and stop as soon as the "
            + "sequential test (SPRT) decides.",
            "Live status on stderr; the result goes to results/runs/<run-id>/result.json and stdout."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch run-experiment --control configs/baseline.json --test configs/exp_042.json",
            "  metaorch run-experiment --control configs/baseline.json --test configs/exp_041.json --method fixed",
            "  metaorch run-experiment --resume exp_042-20261122-101500-123",
            "  metaorch run-experiment --control configs/baseline.json --test configs/exp_042.json \\",
            "      --store postgresql://127.0.0.1:5432/test --local-workers 0",
            "      # (the sessions are run by metaorch workers only)",
            "",
            "Exit 0 with any decision (accept_h1, accept_h0, inconclusive); 2 on bad input or a refused budget; "
                + "130 when interrupted by Ctrl-C, 143 when stopped by SIGTERM (resume with --resume RUN_ID)."})
final class RunExperimentCommand implements Callable<Integer> {
    /** {@code --method}: the sequential test of the config, or a fixed design. */
    enum Method {
        SPRT, FIXED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code --tasks}: the task labels of {@code analyze --clusters}. */
    enum TaskLabel {
        DISCRIMINATIVE, TRIVIAL, CHALLENGING, UNCLEAR;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Spec CommandSpec spec;
    @Option(names = "--control", paramLabel = "FILE", description = "Control config.") Path control;
    @Option(names = "--test", paramLabel = "FILE", description = "Test config.") Path test;

    @Option(names = "--method", showDefaultValue = Visibility.NEVER,
            description = "${COMPLETION-CANDIDATES} (default: stopping.method of the config).")
    Method method;

    @Mixin SharedOptions.Overrides overrides;

    @Option(names = "--max-sessions", paramLabel = "N", showDefaultValue = Visibility.NEVER,
            description = "Cap on sessions, both arms together (default: run.max_sessions of the config).")
    Integer maxSessions;

    @Mixin SharedOptions.Launch launch;
    @Mixin SharedOptions.RunInputs in;
    @Option(names = "--retry-backoff-ms", defaultValue = "200", hidden = true) long backoffMs;

    @Option(names = "--metric", paramLabel = "METRIC",
            description = "Test this metric instead of the one the hypothesis (or stopping.metric) names: "
                    + "${COMPLETION-CANDIDATES}.")
    Metric metric;

    @Option(names = "--tasks", paramLabel = "LABEL",
            description = "Only tasks that history labels so (see metaorch analyze --clusters): ${COMPLETION-CANDIDATES}.")
    TaskLabel tasksLabel;

    @Mixin SharedOptions.JsonOutput json;
    @Mixin StoreOptions.Coordinator team;

    @Override
    public Integer call() throws Exception {
        Console console = json.console();
        if (launch.resume == null && (control == null || test == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing --control and --test (or --resume RUN_ID)");
        }
        launch.check();
        ExperimentOptions options = new ExperimentOptions(control, test, overrides.values,
                method == null ? null : method.toString(), maxSessions, launch.maxCost, launch.concurrency, launch.seed,
                launch.runId, launch.force, in.results.dir, in.plugins.dir, in.prices.file, backoffMs,
                tasksLabel == null ? null : tasksLabel.toString(), metric == null ? null : metric.label(), team.options());
        StatusLine line = new StatusLine(console.err(), !launch.quiet && StatusLine.interactive());
        AbExperiment experiment = new AbExperiment(options, new AbExperiment.Monitor() {
            @Override
            public void status(ExperimentStatus s) {
                if (!launch.quiet) {
                    line.show(String.format(java.util.Locale.ROOT, "pairs %d  W/T/L %d/%d/%d  LLR %+.3f in [%.3f, %.3f]  "
                            + "success control %.2f test %.2f  errors+timeouts %d/%d  spend $%.4f of $%.2f  in flight %d  "
                            + "ETA %s", s.pairs(), s.wins(), s.ties(), s.losses(), s.llr(), s.lower(), s.upper(),
                            s.controlRate(), s.testRate(), s.controlInfrastructure(), s.testInfrastructure(), s.spendUsd(),
                            s.maxCostUsd(), s.inFlight(), Double.isNaN(s.etaSeconds()) ? "-"
                                    : String.format(java.util.Locale.ROOT, "%.0fs", s.etaSeconds())));
                }
            }

            @Override
            public void message(String text) {
                line.message(text);
            }
        });
        try (InterruptHook hook = new InterruptHook(() -> experiment.interrupt(20_000))) {
            ExperimentResult result = experiment.run(launch.resume);
            line.close();
            if (result.decision().equals("interrupted")) {
                console.info("interrupted: resume with metaorch run-experiment --resume " + result.runId()
                        + (Path.of("results").equals(in.results.dir) ? "" : " --results '" + in.results.dir + "'")
                        // the URL as parsed: a password in it is shown as ***, never printed
                        + (team.url == null ? "" : " --store '" + dev.metaorch.store.StoreUrl.parse(team.url, "--store") + "'"));
                return ExitCodes.INTERRUPTED;
            }
            if (json.enabled) {
                console.json(dev.metaorch.common.Json.tree(result));
            } else {
                ExperimentSummary.print(console.out(), result, in.results.dir);
            }
            if ("circuit_breaker".equals(result.stoppedBy())) {
                console.info("error: " + result.reason());
                return ExitCodes.RUNTIME_FAILURE;
            }
        } finally {
            line.close();
            console.out().flush();
            console.err().flush();
        }
        return ExitCodes.OK;
    }

}

package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.experiment.AbExperiment;
import dev.metaorch.experiment.ExperimentOptions;
import dev.metaorch.experiment.ExperimentResult;
import dev.metaorch.experiment.ExperimentStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch run-experiment}: control vs test with a sequential stopping rule. */
@Command(name = "run-experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a control config against a test config, paired by task, and stop as soon as the",
            "sequential test (SPRT) decides. Live status on stderr; the result goes to",
            "results/runs/<run-id>/result.json and stdout."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch run-experiment --control configs/baseline.json --test configs/exp_042.json",
            "  metaorch run-experiment --control configs/baseline.json --test configs/exp_041.json --method fixed",
            "  metaorch run-experiment --resume exp_042-20261122-101500-123",
            "",
            "Exit 0 with any decision (accept_h1, accept_h0, inconclusive); 2 on bad input or a refused budget;",
            "143 when interrupted (resume with --resume RUN_ID)."})
final class RunExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--control", paramLabel = "FILE", description = "Control config.")
    Path control;

    @Option(names = "--test", paramLabel = "FILE", description = "Test config.")
    Path test;

    @Option(names = "--method", description = "sprt (default from config) or fixed.")
    String method;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a value in both configs.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--max-sessions", description = "Cap on sessions, both arms together.")
    Integer maxSessions;

    @Option(names = "--max-cost", paramLabel = "USD", description = "Spend cap; the run is refused if the projection exceeds it.")
    Double maxCost;

    @Option(names = "--concurrency", description = "Sessions at once.")
    Integer concurrency;

    @Option(names = "--seed", description = "Run seed (same seed, same sessions, same decision).")
    Long seed;

    @Option(names = "--run-id", description = "Id of the new run (default <test id>-<timestamp>).")
    String runId;

    @Option(names = "--resume", paramLabel = "RUN_ID",
            description = "Continue an interrupted run (or complete a finished one's tracker line and hashes).")
    String resume;

    @Option(names = "--force", description = {"Run even when the projected spend exceeds the budget; with --resume,",
        "resume although a task suite, price table or plugin changed since the run started",
        "(the run goes on with its snapshot copies)."})
    boolean force;

    @Option(names = "--results", defaultValue = "results", description = "Results folder (default ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--plugins", defaultValue = "plugins", description = "Plugin jar folder (default ${DEFAULT-VALUE}).")
    Path plugins;

    @Option(names = "--prices", description = "Price table (default: prices.json beside the config).")
    Path prices;

    @Option(names = "--retry-backoff-ms", defaultValue = "200", hidden = true)
    long backoffMs;

    @Option(names = "--metric", paramLabel = "METRIC",
            description = "Test this metric instead of the one the hypothesis (or stopping.metric) names: "
                    + "success, early_termination_rate, tokens, cost_usd.")
    String metric;

    @Option(names = "--tasks", paramLabel = "LABEL",
            description = "Only tasks that history labels so: discriminative (see metaorch analyze --clusters).")
    String tasksLabel;

    @Option(names = "--quiet", description = "No live status.")
    boolean quiet;

    @Option(names = "--json", description = "Print result.json to stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Console console = new Console(spec);
        if (resume == null && (control == null || test == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing --control and --test (or --resume RUN_ID)");
        }
        ExperimentOptions options = new ExperimentOptions(control, test, overrides, method, maxSessions, maxCost,
                concurrency, seed, runId, force, results, plugins, prices, backoffMs, tasksLabel, metric);
        AbExperiment experiment = new AbExperiment(options, new AbExperiment.Monitor() {
            @Override
            public void status(ExperimentStatus s) {
                if (!quiet) {
                    console.info(String.format(java.util.Locale.ROOT, "pairs %d  W/T/L %d/%d/%d  LLR %+.3f in [%.3f, %.3f]  "
                            + "success control %.2f test %.2f  errors+timeouts %d/%d  spend $%.4f of $%.2f  in flight %d  "
                            + "ETA %.0fs", s.pairs(), s.wins(), s.ties(), s.losses(), s.llr(), s.lower(), s.upper(),
                            s.controlRate(), s.testRate(), s.controlInfrastructure(), s.testInfrastructure(), s.spendUsd(),
                            s.maxCostUsd(), s.inFlight(), s.etaSeconds()));
                }
            }

            @Override
            public void message(String text) {
                console.info(text);
            }
        });
        // On SIGTERM the JVM halts as soon as its shutdown hooks return, so the hook stops the run and
        // then waits until this thread has printed what it has to say (the resume hint).
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            experiment.interrupt(20_000);
            try {
                reported.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            ExperimentResult result = experiment.run(resume);
            if (result.decision().equals("interrupted")) {
                console.info("interrupted: resume with metaorch run-experiment --resume " + result.runId());
                return ExitCodes.INTERRUPTED;
            }
            if (json) {
                console.json(dev.metaorch.common.Json.tree(result));
            } else {
                ExperimentSummary.print(console.out(), result, results);
            }
            if ("circuit_breaker".equals(result.stoppedBy())) {
                console.info("error: " + result.reason());
                return ExitCodes.RUNTIME_FAILURE;
            }
        } finally {
            console.out().flush();
            console.err().flush();
            reported.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        return ExitCodes.OK;
    }

}

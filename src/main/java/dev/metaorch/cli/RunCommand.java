package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.runner.Allocator;
import dev.metaorch.runner.Hub;
import dev.metaorch.runner.HubSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch run}: the experiment hub. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The experiment hub: run every variant config on the task suite, score each on success,",
            "cost, latency and autonomy, and rank them. Writes results/latest_run.json."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch run",
            "  metaorch run --variants baseline,exp_042 --sessions 200 --concurrency 8",
            "  metaorch run --allocation thompson --sessions 200 --json",
            "  metaorch run --resume hub-20261203-101500-123",
            "",
            "Exit 0 when done; 2 on bad input or a refused budget; 143 when interrupted (resume with --resume RUN_ID)."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", defaultValue = "configs/hub.json", description = "Hub file (default ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--variants", split = ",", paramLabel = "CONFIG",
            description = "Variant configs (paths, or names beside the hub file); default: the hub file's list.")
    List<String> variants = new ArrayList<>();

    @Option(names = "--sessions", description = "Total sessions across variants (default: sessions_per_variant x variants).")
    Integer sessions;

    @Option(names = "--seed", description = "Run seed (default: the hub file's).")
    Long seed;

    @Option(names = "--concurrency", defaultValue = "8", description = "Sessions at once (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--allocation", defaultValue = "uniform",
            description = "uniform (default), or a bandit policy: thompson, ucb1, kl-ucb, eps-greedy.")
    String allocation;

    @Option(names = "--run-id", description = "Id of the run (default hub-<timestamp>).")
    String runId;

    @Option(names = "--resume", paramLabel = "RUN_ID", description = "Continue an interrupted hub run from its snapshot.")
    String resume;

    @Option(names = "--results", defaultValue = "results", description = "Results folder (default ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--plugins", defaultValue = "plugins", description = "Plugin jar folder (default ${DEFAULT-VALUE}).")
    Path plugins;

    @Option(names = "--prices", description = "Price table (default: prices.json beside the configs).")
    Path prices;

    @Option(names = "--max-cost", paramLabel = "USD", description = "Spend cap (default: max_cost_usd of the hub file, 25).")
    Double maxCost;

    @Option(names = "--force", description = "Run even when the projected spend exceeds the cap (it still stops there).")
    boolean force;

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    @Option(names = "--json", description = "Print the scored result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || concurrency > 1024) {
            throw MetaorchException.invalidInput("--concurrency: must be in 1..1024, got " + concurrency);
        }
        HubSpec spec0 = resume != null ? null : HubSpec.load(config);
        List<Path> paths = spec0 == null ? List.of() : variants.isEmpty() ? spec0.variants()
                : variants.stream().map(v -> HubSpec.resolve(config, v.trim())).toList();
        Console console = new Console(spec);
        if (maxCost != null && (!(maxCost > 0) || !Double.isFinite(maxCost) || maxCost > 1e9)) {
            throw MetaorchException.invalidInput("--max-cost: must be a dollar amount > 0 and at most 1e9, got " + maxCost);
        }
        Hub hub = new Hub(new Hub.Options(spec0, paths, sessions, seed, concurrency, runId, results, plugins, prices,
                allocation, maxCost, force, resume), AllocationPolicies::create);
        long total = spec0 == null ? 0 : sessions != null ? sessions : (long) spec0.sessionsPerVariant() * paths.size();
        ObjectNode result;
        // On SIGTERM/SIGINT the JVM halts as soon as its shutdown hooks return: the hook stops the hub
        // (in-flight sessions are cancelled, killed and logged) and waits until this thread is done.
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            hub.interrupt();
            try {
                reported.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            try (ProgressDisplay progress = new ProgressDisplay("sessions", total, console.err(), quiet, 2000)) {
                result = hub.run(p -> progress.update(p.done(), String.format(java.util.Locale.ROOT, "ok %d  $%.4f",
                        p.successes(), p.spendUsd()), String.format(java.util.Locale.ROOT,
                                "sessions %d/%d  successes %d  spend $%.4f", p.done(), p.total(), p.successes(),
                                p.spendUsd())), console::info);
            }
            if ("interrupted".equals(result.path("status").asText())) {
                console.info("interrupted: resume with metaorch run --resume " + result.path("run_id").asText());
                return ExitCodes.INTERRUPTED;
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
        if (json) {
            console.json(result);
            return ExitCodes.OK;
        }
        print(console, result);
        return ExitCodes.OK;
    }

    static void print(Console c, JsonNode r) {
        var out = c.out();
        out.printf("hub run %s: %d sessions, allocation %s, seed %d%n", r.path("run_id").asText(),
                r.path("sessions").asLong(), r.path("allocation").asText(), r.path("seed").asLong());
        out.printf("%-4s %-14s %6s %5s %8s %15s %9s %10s %9s %9s %8s%n", "rank", "variant", "score", "n", "success",
                "95% CI", "tokens", "cost/sess", "lat mean", "lat p90", "autonomy");
        int rank = 1;
        for (JsonNode name : r.path("ranking")) {
            JsonNode v = r.path("variants").path(name.asText());
            out.printf("%-4d %-14s %6.3f %5d %8.3f  [%.3f, %.3f] %9.0f %10.5f %8.1fs %8.1fs %8.2f%n", rank++, name.asText(),
                    v.path("score").asDouble(), v.path("sessions").asLong(), v.path("success_rate").asDouble(),
                    v.path("ci").path(0).asDouble(), v.path("ci").path(1).asDouble(), v.path("tokens_mean").asDouble(),
                    v.path("cost_per_session").asDouble(), v.path("latency_ms_mean").asDouble() / 1000,
                    v.path("latency_ms_p90").asDouble() / 1000, v.path("autonomy_rate").asDouble());
        }
        JsonNode top = r.path("top_two");
        if (!top.isMissingNode()) {
            String verdict = !top.path("valid").asBoolean() ? top.path("test").asText()
                    : top.path("significant").asBoolean() ? "significant" : "not significant";
            out.printf(java.util.Locale.ROOT, "top two: %s vs %s, score difference %+.3f [%+.3f, %+.3f] (%d pairs on %d "
                    + "tasks, paired by task): %s%n", top.path("first").asText(), top.path("second").asText(),
                    top.path("score_difference").asDouble(), top.path("ci").path(0).asDouble(),
                    top.path("ci").path(1).asDouble(), top.path("pairs").asInt(), top.path("tasks").asInt(), verdict);
        }
        out.println("weights " + r.path("weights") + "; written to results/latest_run.json");
    }
}

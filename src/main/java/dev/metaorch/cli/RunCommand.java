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
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch run}: the experiment hub. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The experiment hub: run every variant config on the task suite, score each on success, "
            + "cost, latency and autonomy, and rank them.",
            "Writes results/latest_run.json."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch run",
            "  metaorch run --variants baseline,exp_042 --sessions 200 --concurrency 8",
            "  metaorch run --allocation thompson --sessions 200 --json",
            "  metaorch run --resume hub-20261203-101500-123",
            "  metaorch run --store postgresql://127.0.0.1:5432/test --local-workers 0   # sessions run by `metaorch worker`s",
            "",
            "Exit 0 when done; 2 on bad input or a refused budget; 130 when interrupted by Ctrl-C, 143 when stopped "
                + "by SIGTERM (resume with --resume RUN_ID)."})
final class RunCommand implements Callable<Integer> {
    /** {@code --allocation}: uniform, or a bandit policy. */
    enum Allocation {
        UNIFORM, THOMPSON, UCB1, KL_UCB, EPS_GREEDY, EPS_DECAY;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "configs/hub.json", description = "Hub file.") Path config;

    @Option(names = "--variants", split = ",", paramLabel = "CONFIG", showDefaultValue = Visibility.NEVER,
            description = "Variant configs (paths, or names beside the hub file); default: the hub file's list.")
    List<String> variants = new ArrayList<>();

    @Option(names = "--sessions", paramLabel = "N", showDefaultValue = Visibility.NEVER,
            description = "Total sessions across variants (default: sessions_per_variant x variants).")
    Integer sessions;

    @Option(names = "--allocation", defaultValue = "uniform",
            description = "How sessions are spread over the variants: ${COMPLETION-CANDIDATES}.")
    Allocation allocation;

    @Mixin SharedOptions.Launch launch;
    @Mixin SharedOptions.RunInputs in;
    @Mixin SharedOptions.JsonOutput json;
    @Mixin StoreOptions.Coordinator store;

    @Override
    public Integer call() throws Exception {
        launch.check();
        dev.metaorch.store.TeamOptions teamOptions = store.options();
        Console console0 = json.console();
        try (dev.metaorch.runner.TeamRun team = teamOptions == null ? null
                : new dev.metaorch.store.StoreCoordinator(teamOptions, console0::info)) {
            return call(team);
        }
    }

    private Integer call(dev.metaorch.runner.TeamRun team) throws Exception {
        HubSpec spec0 = launch.resume != null ? null : HubSpec.load(config);
        List<Path> paths = spec0 == null ? List.of() : variants.isEmpty() ? spec0.variants()
                : variants.stream().map(v -> HubSpec.resolve(config, v.trim())).toList();
        Console console = json.console();
        Hub hub = new Hub(new Hub.Options(spec0, paths, sessions, launch.seed,
                launch.concurrency == null ? 8 : launch.concurrency, launch.runId, in.results.dir, in.plugins.dir, in.prices.file,
                allocation.toString(), launch.maxCost, launch.force, launch.resume, team), AllocationPolicies::create);
        long total = spec0 == null ? 0 : sessions != null ? sessions : (long) spec0.sessionsPerVariant() * paths.size();
        ObjectNode result;
        // On SIGTERM/SIGINT the JVM halts as soon as its shutdown hooks return: the hook stops the hub
        // (in-flight sessions are cancelled, killed and logged) and waits until this thread is done.
        try (InterruptHook hook = new InterruptHook(hub::interrupt)) {
            try (ProgressDisplay progress = new ProgressDisplay("sessions", total, console.err(), launch.quiet, 2000)) {
                result = hub.run(p -> progress.update(p.done(), String.format(java.util.Locale.ROOT, "ok %d  $%.4f",
                        p.successes(), p.spendUsd()), String.format(java.util.Locale.ROOT,
                                "sessions %d/%d  successes %d  spend $%.4f", p.done(), p.total(), p.successes(),
                                p.spendUsd())), console::info);
            }
            if ("interrupted".equals(result.path("status").asText())) {
                console.info("interrupted: resume with metaorch run --resume " + result.path("run_id").asText()
                        + (java.nio.file.Path.of("results").equals(in.results.dir) ? ""
                                : " --results '" + in.results.dir + "'")
                        + (team == null ? "" : " --store '" + team.storeName() + "'"));
                return ExitCodes.INTERRUPTED;
            }
        } finally {
            console.out().flush();
            console.err().flush();
        }
        if (json.enabled) {
            console.json(result);
            return ExitCodes.OK;
        }
        print(console, result, in.results.dir);
        return ExitCodes.OK;
    }

    static void print(Console c, JsonNode r, java.nio.file.Path results) {
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
        out.println("weights " + r.path("weights") + "; written to " + results.resolve("latest_run.json"));
    }
}

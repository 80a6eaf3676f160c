package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.bandit.BanditPolicy;
import dev.metaorch.bandit.BanditReport;
import dev.metaorch.bandit.BanditSimulator;
import dev.metaorch.bandit.Policies;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.report.RegretPlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch simulate-bandit}: compare allocation policies on simulated Bernoulli arms. */
@Command(name = "simulate-bandit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Simulate adaptive allocation policies (eps-greedy, UCB1, KL-UCB, Thompson sampling) on",
            "Bernoulli arms: mean pseudo-regret with its standard error at checkpoints, realised regret, share",
            "of pulls on the best arm, pulls per second, and the Lai-Robbins bound."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch simulate-bandit",
            "  metaorch simulate-bandit --arms 0.3,0.4,0.5,0.6,0.7 --runs 2000 --horizon 10000 --plot regret.svg",
            "  metaorch simulate-bandit --config results/latest_run.json --policies thompson,kl-ucb --json"})
final class SimulateBanditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--arms", split = ",", description = "Success probabilities of the arms (default 0.3,0.4,0.5,0.6,0.7).")
    List<Double> arms;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Take the arms from a hub result (latest_run.json: each variant's success rate) or a JSON {\"arms\": [..]}.")
    Path config;

    @Option(names = "--horizon", defaultValue = "10000", description = "Pulls per run (default ${DEFAULT-VALUE}).")
    int horizon;

    @Option(names = "--runs", defaultValue = "2000", description = "Independent runs (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--policies", split = ",", defaultValue = "eps-greedy,ucb1,kl-ucb,thompson",
            description = "Policies (default ${DEFAULT-VALUE}; also eps-decay).")
    List<String> policies;

    @Option(names = "--epsilon", defaultValue = "0.1", description = "Epsilon of eps-greedy (default ${DEFAULT-VALUE}).")
    double epsilon;

    @Option(names = "--prior", split = ",", defaultValue = "1,1", description = "Thompson's Beta prior a,b (default ${DEFAULT-VALUE}).")
    List<Double> prior;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--checkpoints", split = ",", description = "Pull counts to report (default 100,1000,horizon).")
    List<Long> checkpoints;

    @Option(names = "--plot", paramLabel = "FILE", description = "Write regret curves as .svg or .png.")
    Path plot;

    @Option(names = "--save", paramLabel = "FILE", defaultValue = "results/bandit/latest.json",
            description = "Keep the full result (curves included) for metaorch report (default ${DEFAULT-VALUE}).")
    Path save;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        double[] a = arms(config, arms);
        if (a.length < 2) {
            throw MetaorchException.invalidInput("--arms: need at least two arms");
        }
        for (double p : a) {
            if (!(p >= 0 && p <= 1)) {
                throw MetaorchException.invalidInput("--arms: success probabilities must be in [0, 1], got " + p);
            }
        }
        if (horizon < 1 || runs < 2) {
            throw MetaorchException.invalidInput("--horizon must be >= 1 and --runs >= 2");
        }
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw MetaorchException.invalidInput("--epsilon: must be in [0, 1], got " + epsilon);
        }
        if (prior.size() != 2 || prior.get(0) <= 0 || prior.get(1) <= 0) {
            throw MetaorchException.invalidInput("--prior: expected a,b with a, b > 0");
        }
        if (plot != null && !plot.toString().matches(".*\\.(svg|png)$")) {
            throw MetaorchException.invalidInput("--plot: the file must end in .svg or .png, got " + plot);
        }
        List<BanditPolicy> list = new ArrayList<>();
        for (String name : policies) {
            try {
                list.add(Policies.create(name.trim(), epsilon, prior.get(0), prior.get(1)));
            } catch (IllegalArgumentException e) {
                throw MetaorchException.invalidInput("--policies: " + e.getMessage());
            }
        }
        long[] cps = (checkpoints == null ? List.of(100L, 1000L, (long) horizon) : checkpoints).stream()
                .mapToLong(Long::longValue).filter(t -> t >= 1 && t <= horizon).distinct().sorted().toArray();
        int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (nThreads < 1) {
            throw MetaorchException.invalidInput("--threads: must be >= 1");
        }
        Console console = new Console(spec);
        long total = (long) runs * horizon * list.size();
        AtomicLong done = new AtomicLong();
        BanditReport report;
        try (ProgressDisplay progress = new ProgressDisplay("pulls", total, console.err(), json || total < 50_000_000L, 3000)) {
            report = new BanditSimulator(nThreads).simulate(a, horizon, runs, list, seed, cps, k -> {
                long d = done.addAndGet(k);
                progress.update(d, "", String.format("simulated %,d of %,d pulls", d, total));
            });
        }
        if (save != null) {
            dev.metaorch.common.AtomicFiles.writeJson(save, report);
        }
        if (plot != null) {
            RegretPlot.write(RegretPlot.chart(report), plot);
            console.info("wrote " + plot);
        }
        if (json) {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(report);
            node.path("policies").forEach(p -> {
                var o = (com.fasterxml.jackson.databind.node.ObjectNode) p;
                o.remove(List.of("curve_t", "curve_mean", "curve_se"));
            });
            console.json(node);
            return ExitCodes.OK;
        }
        var out = console.out();
        out.printf("arms %s, horizon %d, %d runs, seed %d, %d threads%n", report.arms(), horizon, runs, seed, nThreads);
        StringBuilder head = new StringBuilder(String.format("%-11s", "policy"));
        for (long c : cps) {
            head.append(String.format(" %18s", "regret@" + c));
        }
        head.append(String.format(" %14s %10s %12s", "realised", "best arm", "pulls/s"));
        out.println(head);
        report.policies().forEach((name, p) -> {
            StringBuilder row = new StringBuilder(String.format("%-11s", name));
            for (long c : cps) {
                var cp = p.checkpoints().get(Long.toString(c));
                row.append(String.format(" %18s", String.format("%.1f ± %.1f", cp.mean(), cp.se())));
            }
            row.append(String.format(" %14s %9.1f%% %12s", String.format("%.1f ± %.1f", p.realisedRegretMean(),
                    p.realisedRegretSe()), 100 * p.bestArmShare(), String.format("%,.0f", p.pullsPerSec())));
            out.println(row);
        });
        out.printf("Lai-Robbins: C = %.3f, C ln T = %.1f (an asymptotic bound; good policies can be below it at finite T)%n",
                report.laiRobbins().constant(), report.laiRobbins().boundAtHorizon());
        return ExitCodes.OK;
    }

    static double[] arms(Path config, List<Double> arms) throws IOException {
        if (config != null && arms != null) {
            throw MetaorchException.invalidInput("--arms and --config: give one of them");
        }
        if (config == null) {
            return (arms == null ? List.of(0.3, 0.4, 0.5, 0.6, 0.7) : arms).stream().mapToDouble(Double::doubleValue).toArray();
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(Files.readString(config));
        } catch (IOException e) {
            throw MetaorchException.invalidInput(config + ": cannot read: " + e.getMessage().lines().findFirst().orElse(""));
        }
        List<Double> list = new ArrayList<>();
        if (root.path("arms").isArray()) {
            root.path("arms").forEach(n -> list.add(n.asDouble()));
        } else if (root.path("variants").isObject()) {
            root.path("variants").forEach(v -> list.add(v.path("success_rate").asDouble()));
        } else {
            throw MetaorchException.invalidInput(config + ": /arms: expected {\"arms\": [..]} or a hub result with /variants");
        }
        return list.stream().mapToDouble(Double::doubleValue).toArray();
    }
}

package dev.metaorch.cli;

import dev.metaorch.bandit.BanditArms;
import dev.metaorch.bandit.BanditPolicy;
import dev.metaorch.bandit.BanditReport;
import dev.metaorch.bandit.BanditSimulator;
import dev.metaorch.bandit.PolicyName;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.report.RegretPlot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch simulate-bandit}: compare allocation policies on simulated Bernoulli arms. */
@Command(name = "simulate-bandit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Simulate adaptive allocation policies (eps-greedy, UCB1, KL-UCB, Thompson sampling) on Bernoulli arms.",
            "Reports the mean pseudo-regret with its standard error at checkpoints, realised regret, share of pulls on "
                + "the best arm, pulls per second, and the Lai-Robbins bound."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch simulate-bandit",
            "  metaorch simulate-bandit --arms 0.3,0.4,0.5,0.6,0.7 --runs 2000 --horizon 10000 --plot regret.svg",
            "  metaorch simulate-bandit --config results/latest_run.json --policies thompson,kl-ucb --json"})
final class SimulateBanditCommand implements Callable<Integer> {

    @Option(names = "--arms", split = ",", paramLabel = "P", showDefaultValue = Visibility.NEVER,
            description = "Success probabilities of the arms (default 0.3,0.4,0.5,0.6,0.7).")
    List<Double> arms;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Take the arms from a hub result (latest_run.json: each variant's success rate) or a JSON {\"arms\": [..]}.")
    Path config;

    @Option(names = "--horizon", defaultValue = "10000", description = "Pulls per run.") int horizon;
    @Option(names = "--runs", defaultValue = "2000", description = "Independent runs.") int runs;

    @Option(names = "--policies", split = ",", defaultValue = "eps-greedy,ucb1,kl-ucb,thompson", paramLabel = "POLICY",
            description = "Policies, comma-separated: ${COMPLETION-CANDIDATES}.")
    List<PolicyName> policies;

    @Option(names = "--epsilon", defaultValue = "0.1", description = "Epsilon of eps-greedy and eps-decay.") double epsilon;

    @Option(names = "--prior", split = ",", defaultValue = "1,1", paramLabel = "A,B", description = "Thompson's Beta prior a,b.")
    List<Double> prior;

    @Mixin SharedOptions.SimulationSeed seed;
    @Mixin SharedOptions.Threads threads;

    @Option(names = "--checkpoints", split = ",", paramLabel = "T", showDefaultValue = Visibility.NEVER,
            description = "Pull counts to report (default 100,1000,horizon).")
    List<Long> checkpoints;

    @Mixin SharedOptions.PlotFile plot;

    @Option(names = "--save", paramLabel = "FILE", defaultValue = "results/bandit/latest.json",
            description = "Keep the full result (curves included) for metaorch report.")
    Path save;

    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws IOException {
        double[] a = BanditArms.of(config, arms);
        if (prior.size() != 2) {
            throw MetaorchException.invalidInput("--prior: expected a,b, got " + prior.size() + " values");
        }
        Path plotFile = plot.checked();
        List<BanditPolicy> list = new ArrayList<>();
        try {
            for (PolicyName name : policies) {
                list.add(name.create(epsilon, prior.get(0), prior.get(1)));
            }
            BanditSimulator.check(a, horizon, runs, list);
        } catch (IllegalArgumentException e) {
            throw MetaorchException.invalidInput("simulate-bandit: " + e.getMessage());
        }
        long[] cps = (checkpoints == null ? List.of(100L, 1000L, (long) horizon) : checkpoints).stream()
                .mapToLong(Long::longValue).filter(t -> t >= 1 && t <= horizon).distinct().sorted().toArray();
        int nThreads = threads.resolve();
        refuseWhenTooLarge(a, list, cps.length, nThreads);
        Console console = json.console();
        long total = BanditSimulator.footprint(a.length, horizon, runs, list.size(), cps.length).pulls();
        AtomicLong done = new AtomicLong();
        BanditReport report;
        try (ProgressDisplay progress = new ProgressDisplay("pulls", total, console.err(), json.enabled || total < 50_000_000L, 3000)) {
            report = new BanditSimulator(nThreads).simulate(a, horizon, runs, list, seed.seed, cps, k -> {
                long d = done.addAndGet(k);
                progress.update(d, "", String.format(Locale.ROOT, "simulated %,d of %,d pulls", d, total));
            });
        }
        if (save != null) {
            dev.metaorch.common.AtomicFiles.writeJson(save, report);
        }
        if (plotFile != null) {
            RegretPlot.write(RegretPlot.chart(report), plotFile);
            console.info("wrote " + plotFile);
        }
        if (json.enabled) {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(report);
            node.path("policies").forEach(p -> {
                var o = (com.fasterxml.jackson.databind.node.ObjectNode) p;
                o.remove(List.of("curve_t", "curve_mean", "curve_se"));
            });
            console.json(node);
            return ExitCodes.OK;
        }
        var out = console.out();
        out.printf(Locale.ROOT, "arms %s, horizon %d, %d runs, seed %d, %d threads%n", report.arms(), horizon, runs, seed.seed,
                nThreads);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-11s", "policy"));
        for (long c : cps) {
            head.append(String.format(Locale.ROOT, " %18s", "regret@" + c));
        }
        head.append(String.format(Locale.ROOT, " %14s %10s %12s", "realised", "best arm", "pulls/s"));
        out.println(head);
        report.policies().forEach((name, p) -> {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-11s", name));
            for (long c : cps) {
                var cp = p.checkpoints().get(Long.toString(c));
                row.append(String.format(Locale.ROOT, " %18s", String.format(Locale.ROOT, "%.1f ± %.1f", cp.mean(), cp.se())));
            }
            row.append(String.format(Locale.ROOT, " %14s %9.1f%% %12s", String.format(Locale.ROOT, "%.1f ± %.1f", p.realisedRegretMean(),
                    p.realisedRegretSe()), 100 * p.bestArmShare(), String.format(Locale.ROOT, "%,.0f", p.pullsPerSec())));
            out.println(row);
        });
        out.printf(Locale.ROOT, "Lai-Robbins: C = %.3f, C ln T = %.1f (an asymptotic bound; good policies can be below it at finite T)%n",
                report.laiRobbins().constant(), report.laiRobbins().boundAtHorizon());
        return ExitCodes.OK;
    }

    /**
     * Refuses a simulation whose per-run results do not fit in the heap, with the memory it needs
     * and the time it would take at the pull rate measured on this machine.
     */
    private void refuseWhenTooLarge(double[] a, List<BanditPolicy> list, int nCheckpoints, int nThreads) {
        BanditSimulator.Footprint f = BanditSimulator.footprint(a.length, horizon, runs, list.size(), nCheckpoints);
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (f.bytes() <= available * 0.8) {
            return;
        }
        double pps = BanditSimulator.measurePullsPerSecond(a, horizon, list, seed.seed) * nThreads;
        throw MetaorchException.invalidInput(String.format(Locale.ROOT, "simulate-bandit: --runs %d x --horizon %d "
                + "needs about %s of memory (%s is available to this JVM) and about %s at the %,.0f pulls/s measured "
                + "here; lower --runs or raise -Xmx", runs, horizon, bytes(f.bytes()), bytes(available),
                duration(f.pulls() / pps), pps));
    }

    static String bytes(long b) {
        return b >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GB", b / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MB", b / (double) (1L << 20));
    }

    static String duration(double seconds) {
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%.1f hours", seconds / 3600);
        }
        return seconds >= 60 ? String.format(Locale.ROOT, "%.1f minutes", seconds / 60)
                : String.format(Locale.ROOT, "%.0f s", seconds);
    }
}

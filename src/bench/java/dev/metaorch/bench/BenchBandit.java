package dev.metaorch.bench;

import dev.metaorch.bandit.BanditPolicy;
import dev.metaorch.bandit.BanditReport;
import dev.metaorch.bandit.BanditSimulator;
import dev.metaorch.bandit.Policies;
import java.util.List;
import java.util.Map;

/**
 * {@code scripts/bench-bandit}: pulls per second per policy on arms 0.3..0.7, T = 10,000, on one
 * core and on all cores, against the numpy reference (vectorised over runs, one core:
 * eps-greedy 7.5 M, UCB1 7.5 M, Thompson 1.3 M, KL-UCB 0.38 M pulls/s).
 * Usage: {@code BenchBandit [runs=2000]}.
 */
public final class BenchBandit {
    static final Map<String, Double> NUMPY = Map.of("eps-greedy", 7.5e6, "ucb1", 7.5e6, "thompson", 1.3e6, "kl-ucb", 0.38e6);

    private BenchBandit() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        double[] arms = {0.3, 0.4, 0.5, 0.6, 0.7};
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> names = List.of("eps-greedy", "ucb1", "kl-ucb", "thompson");
        List<BanditPolicy> policies = names.stream().map(n -> Policies.create(n, 0.1, 1, 1)).toList();
        new BanditSimulator(cores).simulate(arms, 10_000, Math.max(20, runs / 10), policies, 7, new long[] {10_000}, null);
        BanditReport one = new BanditSimulator(1).simulate(arms, 10_000, runs, policies, 1, new long[] {10_000}, null);
        BanditReport all = new BanditSimulator(cores).simulate(arms, 10_000, runs, policies, 1, new long[] {10_000}, null);
        System.out.printf("arms 0.3..0.7, T = 10,000, %d runs; pulls per second%n", runs);
        System.out.printf("%-11s %14s %14s %14s %10s %s%n", "policy", "1 core", cores + " cores", "numpy 1 core", "ratio",
                "regret (all cores)");
        for (String n : names) {
            double p1 = one.policies().get(n).pullsPerSec();
            double pa = all.policies().get(n).pullsPerSec();
            System.out.printf("%-11s %,14.0f %,14.0f %,14.0f %9.1fx %.1f ± %.1f%n", n, p1, pa, NUMPY.get(n), p1 / NUMPY.get(n),
                    all.policies().get(n).regretMean(), all.policies().get(n).regretSe());
        }
        boolean identical = names.stream().allMatch(n -> one.policies().get(n).regretMean() == all.policies().get(n).regretMean());
        System.out.println("identical results on 1 and " + cores + " threads: " + identical);
    }
}

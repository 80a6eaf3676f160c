package dev.metaorch.bench;

import dev.metaorch.stats.SprtPlan;
import dev.metaorch.stats.SprtPlanner;

/**
 * {@code scripts/bench-sprt}: simulated alpha, power, mean and p90 sample size against the fixed
 * design for the paired design at d = 0.2, 0.3, 0.5 and the unpaired design (p = 0.5), and the
 * time 20,000 replications per hypothesis take. Usage: {@code BenchSprt [replications=20000] [threads]}.
 */
public final class BenchSprt {
    private BenchSprt() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        SprtPlanner planner = new SprtPlanner(threads);
        planner.paired(0.05, 0.10, 0.15, 0.3, 2_000, 99, null); // warm-up
        System.out.printf("alpha 0.05, beta 0.10, effect 0.15; %d replications per hypothesis on %d threads%n", reps, threads);
        System.out.printf("%-16s %7s %7s %7s %7s %6s %6s %8s %9s %9s %8s%n", "design", "fixed n", "alpha", "power",
                "mean H0", "p90 H0", "p90 H1", "mean H1", "saving H0", "saving H1", "seconds");
        for (double d : new double[] {0.2, 0.3, 0.5}) {
            print("paired d=" + d, planner.paired(0.05, 0.10, 0.15, d, reps, 1, null));
        }
        print("unpaired p=0.5", planner.unpaired(0.05, 0.10, 0.15, 0.5, reps, 1, null));
    }

    private static void print(String name, SprtPlan p) {
        var s = p.simulated();
        System.out.printf("%-16s %7d %7.4f %7.4f %7.1f %6d %6d %8.1f %8.1f%% %8.1f%% %8.2f%n", name, p.fixedN(), s.alpha(),
                s.power(), s.asnH0(), s.p90H0(), s.p90H1(), s.asnH1(), 100 * p.savingsH0(), 100 * p.savingsH1(), s.seconds());
    }
}

package dev.metaorch.bench;

import dev.metaorch.stats.Direction;
import dev.metaorch.stats.EstimateCheck;
import dev.metaorch.stats.SampleSize;
import dev.metaorch.stats.SprtPlanner;
import dev.metaorch.stats.StoppingRule;

/**
 * {@code scripts/bench-estimate}: the effect estimate after the paired GSPRT of the demo
 * (alpha 0.05, beta 0.10, min_effect 0.15, discordance 0.38 as in configs/baseline.json, cap
 * 2 x the fixed n = 282 pairs), simulated directly at true effects 0, 0.075 and 0.15: the bias and
 * the 95% interval coverage of the sequential estimate (median-unbiased, stagewise interval) and,
 * beside it, of the fixed-sample estimate, overall and given each decision, with Monte Carlo
 * standard errors and the mean interval width. The bar (issue 13): |bias| <= 0.01 and coverage >= 0.93 at each effect.
 * Usage: {@code BenchEstimate [replications=4000] [seed=1] [threads]}.
 */
public final class BenchEstimate {
    private BenchEstimate() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        double d = 0.38;
        long cap = SprtPlanner.cap(SampleSize.paired(d, 0.15, 0.05, 0.10));
        StoppingRule rule = new StoppingRule("gsprt", Direction.BETTER, 0.05, 0.10, 0.15, d, cap);
        System.out.printf("paired GSPRT, alpha 0.05, beta 0.10, min_effect 0.15, discordance %.2f, cap %d pairs; "
                + "%d runs per effect, seed %d%n", d, cap, reps, seed);
        System.out.printf("%-6s %-11s %17s %17s %6s %9s %9s %9s %9s%n", "effect", "estimate", "bias (± se)",
                "coverage (± se)", "width", "mean|H1", "mean|H0", "cov|H1", "cov|H0");
        boolean pass = true;
        for (double effect : new double[] {0, 0.075, 0.15}) {
            long start = System.nanoTime();
            EstimateCheck c = EstimateCheck.run(rule, d, effect, reps, seed, threads);
            print(effect, "sequential", c.sequential());
            print(effect, "fixed", c.fixed());
            System.out.printf("%-6s %-11s accept_h1 %.3f  accept_h0 %.3f  inconclusive %.3f  (%.1f s)%n", "", "",
                    c.acceptH1(), c.acceptH0(), c.inconclusive(), (System.nanoTime() - start) / 1e9);
            pass &= Math.abs(c.sequential().bias()) <= 0.01 && c.sequential().coverage() >= 0.93;
        }
        System.out.println("bar |bias| <= 0.01 and coverage >= 0.93 for the sequential estimate at every effect: "
                + (pass ? "met" : "NOT met"));
    }

    private static void print(double effect, String name, EstimateCheck.Figures f) {
        System.out.printf("%-6.3f %-11s %+8.4f ± %.4f %8.4f ± %.4f %6.3f %+9.4f %+9.4f %9.4f %9.4f%n", effect, name,
                f.bias(), f.biasSe(), f.coverage(), f.coverageSe(), f.meanWidth(), f.meanGivenH1(), f.meanGivenH0(), f.coverageGivenH1(),
                f.coverageGivenH0());
    }
}

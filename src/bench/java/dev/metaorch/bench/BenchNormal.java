package dev.metaorch.bench;

import dev.metaorch.stats.Direction;
import dev.metaorch.stats.NormalCheck;
import dev.metaorch.stats.NormalGsprt;
import dev.metaorch.stats.StoppingRule;

/**
 * {@code scripts/bench-normal}: the run's {@code normal} stopping rule (metric tokens or cost_usd,
 * lower is better; alpha 0.05, beta 0.10, min_effect 0.15) on normal data (mean 1000, SD 300) and
 * lognormal data (log-SD 0.8, skewed like session costs), each with the cap a plan gives (2 x the
 * fixed n for the SD of ln(control/test)) and with the demo's cap of 282 pairs: alpha, power, the
 * inconclusive shares, mean pairs, false H1 decisions within 5 pairs. The bar (issue 13): alpha
 * <= 0.055 and power >= 0.88 for both shapes (at the planned cap).
 * Usage: {@code BenchNormal [replications=20000] [seed=1] [threads]}.
 */
public final class BenchNormal {
    private BenchNormal() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        System.out.printf("normal GSPRT on ln(control/test), H1 theta1 = -ln(0.85) = %.4f, no decision before %d pairs; "
                + "%d replications per hypothesis, seed %d%n", NormalGsprt.logTheta(0.15, false),
                NormalGsprt.DEFAULT_MIN_PAIRS, reps, seed);
        boolean pass = true;
        for (NormalCheck.Shape shape : NormalCheck.Shape.values()) {
            double spread = shape == NormalCheck.Shape.NORMAL ? 0.3 : 0.8;
            long planned = NormalCheck.plannedCap(shape, spread, 0.15, 0.05, 0.10);
            for (long cap : new long[] {planned, 282}) {
                StoppingRule rule = new StoppingRule("normal", Direction.BETTER, 0.05, 0.10, 0.15, 0.38, cap);
                long start = System.nanoTime();
                NormalCheck r = NormalCheck.run(rule, shape, spread, reps, seed, threads);
                System.out.printf("%-9s spread %.1f cap %3d%s: alpha %.4f ± %.4f  power %.4f ± %.4f  inconclusive %.3f (H0) "
                        + "%.3f (H1)  mean pairs %.1f / %.1f  false H1 within 5 pairs %d  (%.1f s)%n", shape, spread, cap,
                        cap == planned ? " (plan)" : " (demo)", r.alpha(), r.alphaSe(), r.power(), r.powerSe(),
                        r.inconclusiveH0(), r.inconclusiveH1(), r.meanPairsH0(), r.meanPairsH1(), r.falseH1Within5(),
                        (System.nanoTime() - start) / 1e9);
                if (cap == planned) {
                    pass &= r.alpha() <= 0.055 && r.power() >= 0.88;
                }
            }
        }
        System.out.println("bar alpha <= 0.055 and power >= 0.88 at the planned cap for both shapes: "
                + (pass ? "met" : "NOT met"));
    }
}

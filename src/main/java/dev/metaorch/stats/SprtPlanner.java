package dev.metaorch.stats;

import java.util.function.LongConsumer;

/** Builds {@link SprtPlan}s for the three designs. */
public final class SprtPlanner {
    /** Default truncation: this many times the fixed design's n. */
    public static final double CAP_FACTOR = 2.0;

    private final int threads;

    public SprtPlanner(int threads) {
        this.threads = threads;
    }

    /** Paired design: Connor's fixed n; the simulated trinomial has win/loss (d ± Δ)/2, ties 1 − d. */
    public SprtPlan paired(double alpha, double beta, double minEffect, double discordance, int replications,
            long seed, LongConsumer progress) {
        double fixed = SampleSize.paired(discordance, minEffect, alpha, beta);
        long cap = cap(fixed);
        SprtBounds b = new SprtBounds(alpha, beta);
        var wald = WaldApproximation.paired(b, discordance, minEffect);
        StoppingRule rule = new StoppingRule("gsprt", Direction.BETTER, alpha, beta, minEffect, discordance, cap);
        SimulationSummary sim = replications > 0
                ? new SprtSimulator(threads).simulate(SprtSimulator.paired(rule, discordance, minEffect), replications, seed, progress)
                : null;
        return plan("paired", alpha, beta, minEffect, fixed, cap, wald, sim, seed, null);
    }

    /** Unpaired design: Cohen's-h fixed n per arm; control Bernoulli(p), test Bernoulli(p + Δ). */
    public SprtPlan unpaired(double alpha, double beta, double minEffect, double pControl, int replications,
            long seed, LongConsumer progress) {
        double fixed = SampleSize.unpaired(pControl, minEffect, alpha, beta);
        long cap = cap(fixed);
        SprtBounds b = new SprtBounds(alpha, beta);
        var wald = WaldApproximation.unpaired(b, pControl, minEffect);
        StoppingRule rule = new StoppingRule("gsprt", Direction.BETTER, alpha, beta, minEffect, 0.3, cap);
        SimulationSummary sim = replications > 0
                ? new SprtSimulator(threads).simulate(SprtSimulator.unpaired(rule, pControl, minEffect), replications, seed, progress)
                : null;
        return plan("unpaired", alpha, beta, minEffect, fixed, cap, wald, sim, seed, null);
    }

    /** One-sample Bernoulli p0 vs p1, with exact operating characteristics. */
    public SprtPlan bernoulli(double alpha, double beta, double p0, double p1, int replications, long seed,
            LongConsumer progress) {
        double fixed = SampleSize.bernoulli(p0, p1, alpha, beta);
        long cap = cap(fixed);
        SprtBounds b = new SprtBounds(alpha, beta);
        BernoulliSprt test = new BernoulliSprt(p0, p1, b);
        var wald = WaldApproximation.bernoulli(b, p0, p1);
        ExactBernoulliOc e0 = ExactBernoulliOc.compute(test, p0, Integer.MAX_VALUE);
        ExactBernoulliOc e1 = ExactBernoulliOc.compute(test, p1, Integer.MAX_VALUE);
        SprtPlan.Exact exact = new SprtPlan.Exact(e0.acceptH1(), e1.acceptH1(), e0.meanN(), e1.meanN());
        SimulationSummary sim = replications > 0
                ? new SprtSimulator(threads).simulate(SprtSimulator.bernoulli(test, cap), replications, seed, progress)
                : null;
        return plan("bernoulli", alpha, beta, p1 - p0, fixed, cap, wald, sim, seed, exact);
    }

    public static long cap(double fixedN) {
        return (long) Math.ceil(CAP_FACTOR * Math.ceil(fixedN));
    }

    private static SprtPlan plan(String design, double alpha, double beta, double effect, double fixed, long cap,
            WaldApproximation wald, SimulationSummary sim, long seed, SprtPlan.Exact exact) {
        long fixedN = (long) Math.ceil(fixed);
        Double s0 = null;
        Double s1 = null;
        if (sim != null) {
            s0 = 1 - sim.asnH0() / fixedN;
            s1 = 1 - sim.asnH1() / fixedN;
        } else if (exact != null) {
            s0 = 1 - exact.asnH0() / fixedN;
            s1 = 1 - exact.asnH1() / fixedN;
        }
        return new SprtPlan(design, alpha, beta, effect, fixedN, fixed, cap,
                new SprtPlan.Wald(wald.asnH0(), wald.asnH1()),
                sim == null ? null : SprtPlan.Simulated.of(sim, seed), exact, s0, s1);
    }
}

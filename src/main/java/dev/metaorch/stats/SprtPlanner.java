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
        StoppingRule rule = new StoppingRule("gsprt", Direction.BETTER, alpha, beta, minEffect, discordance, cap);
        SimulationSummary sim = replications > 0
                ? new SprtSimulator(threads).simulate(SprtSimulator.paired(rule, discordance, minEffect), replications, seed, progress)
                : null;
        SprtPlan.Brownian bm = brownian(b, minEffect, cap, discordance, discordance, discordance);
        return plan("paired", "pairs", discordance, alpha, beta, minEffect, fixed, cap, null, bm, sim, seed, null);
    }

    /** Unpaired design: Cohen's-h fixed n per arm; control Bernoulli(p), test Bernoulli(p + Δ). */
    public SprtPlan unpaired(double alpha, double beta, double minEffect, double pControl, int replications,
            long seed, LongConsumer progress) {
        double fixed = SampleSize.unpaired(pControl, minEffect, alpha, beta);
        long cap = cap(fixed);
        SprtBounds b = new SprtBounds(alpha, beta);
        StoppingRule rule = new StoppingRule("gsprt", Direction.BETTER, alpha, beta, minEffect, 0.3, cap);
        SimulationSummary sim = replications > 0
                ? new SprtSimulator(threads).simulate(SprtSimulator.unpaired(rule, pControl, minEffect), replications, seed, progress)
                : null;
        // i-th control with i-th test: a pair is discordant with probability p(1−q) + q(1−p)
        SprtPlan.Brownian bm = brownian(b, minEffect, cap, unpairedDiscordance(pControl, pControl),
                unpairedDiscordance(pControl, pControl + minEffect), unpairedDiscordance(pControl, pControl + minEffect / 2));
        return plan("unpaired", "sessions per arm", unpairedDiscordance(pControl, pControl), alpha, beta, minEffect, fixed,
                cap, null, bm, sim, seed, null);
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
        return plan("bernoulli", "observations", null, alpha, beta, p1 - p0, fixed, cap,
                new SprtPlan.Wald(wald.asnH0(), wald.asnH1()), null, sim, seed, exact);
    }

    static double unpairedDiscordance(double p, double q) {
        return p * (1 - q) + q * (1 - p);
    }

    /**
     * The Brownian approximation of the paired GSPRT (s0 = ½, s1 = ½ + e/2) with the discordance
     * under H0, H1 and at the midpoint effect; per-pair score variance {@code (d − Δ²)/4}.
     */
    static SprtPlan.Brownian brownian(SprtBounds b, double e, long cap, double d0, double d1, double dMid) {
        double s1 = 0.5 + e / 2;
        BrownianSprt h0 = BrownianSprt.gsprt(b, 0.5, s1, 0.5, d0 / 4);
        BrownianSprt h1 = BrownianSprt.gsprt(b, 0.5, s1, s1, (d1 - e * e) / 4);
        BrownianSprt mid = BrownianSprt.gsprt(b, 0.5, s1, 0.5 + e / 4, (dMid - e * e / 4) / 4);
        return new SprtPlan.Brownian(h0.acceptH1By(cap), h1.acceptH1By(cap), corrected(h0).expectedDuration(cap),
                corrected(h1).expectedDuration(cap), corrected(mid).expectedDuration(cap));
    }

    /** Siegmund's corrected diffusion for the mean sample size: bounds moved out by 0.583 σ. */
    static BrownianSprt corrected(BrownianSprt m) {
        double shift = 0.583 * Math.sqrt(m.sigma2());
        return new BrownianSprt(m.a() - shift, m.b() + shift, m.mu(), m.sigma2());
    }

    public static long cap(double fixedN) {
        return (long) Math.ceil(CAP_FACTOR * Math.ceil(fixedN));
    }

    private static SprtPlan plan(String design, String unit, Double discordance, double alpha, double beta,
            double effect, double fixed, long cap, SprtPlan.Wald wald, SprtPlan.Brownian brownian, SimulationSummary sim,
            long seed, SprtPlan.Exact exact) {
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
        return new SprtPlan(design, unit, discordance, alpha, beta, effect, fixedN, fixed, cap, wald, brownian,
                sim == null ? null : SprtPlan.Simulated.of(sim, seed), exact, s0, s1);
    }
}

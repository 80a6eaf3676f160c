package dev.metaorch.bandit;

import dev.metaorch.common.Hashing;
import dev.metaorch.common.ParallelChunks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Monte Carlo of bandit policies on Bernoulli arms. Run r of policy p draws from its own stream
 * seeded by (seed, p, r), and per-run results are reduced in run order, so the report is
 * identical for any thread count. Pseudo-regret of a run is Σ_t Δ(A_t); realised regret is
 * T·μ* − Σ_t r_t.
 */
public final class BanditSimulator {
    static final int CURVE_POINTS = 200;

    private final int threads;

    public BanditSimulator(int threads) {
        this.threads = Math.max(1, threads);
    }

    /**
     * What a simulation needs: {@code bytes} of heap for the per-run results of one policy (the
     * policies run one after another) and {@code pulls} in all.
     */
    public record Footprint(long bytes, long pulls) {
    }

    /** The footprint of {@link #simulate} with these sizes (checkpoints are those within the horizon). */
    public static Footprint footprint(int arms, int horizon, int runs, int policies, int checkpoints) {
        long perRun = 8L * (3 + checkpoints + Math.min(CURVE_POINTS, horizon));
        long perRunArms = 16L * arms;
        long pulls;
        try {
            pulls = Math.multiplyExact(Math.multiplyExact((long) horizon, runs), policies);
        } catch (ArithmeticException e) {
            pulls = Long.MAX_VALUE;
        }
        return new Footprint(perRun * runs + perRunArms, pulls);
    }

    /**
     * Pulls per second of one thread at this horizon, measured on a short simulation of each
     * policy (about 200,000 pulls: min(horizon, 20,000) pulls per run, enough runs to reach it,
     * so per-run costs of short horizons are included), to estimate how long a simulation takes.
     */
    public static double measurePullsPerSecond(double[] arms, int horizon, List<BanditPolicy> policies, long seed) {
        int t = Math.min(horizon, 20_000);
        int runs = Math.max(2, 200_000 / t);
        BanditReport r = new BanditSimulator(1).simulate(arms, t, runs, policies, seed, new long[0], null);
        double seconds = 0;
        for (BanditReport.PolicyResult p : r.policies().values()) {
            seconds += (double) runs * t / p.pullsPerSec();
        }
        return (double) runs * t * policies.size() / seconds;
    }

    /**
     * Checks the arguments: at least two arms, each a probability; horizon >= 1; runs >= 2; at
     * least one policy. Throws IllegalArgumentException naming what is wrong.
     */
    public static void check(double[] arms, int horizon, int runs, List<BanditPolicy> policies) {
        if (arms.length < 2) {
            throw new IllegalArgumentException("need at least two arms, got " + arms.length);
        }
        for (double p : arms) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("arm success probabilities must be in [0, 1], got " + p);
            }
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("the horizon must be >= 1, got " + horizon);
        }
        if (runs < 2) {
            throw new IllegalArgumentException("runs must be >= 2 (for a standard error), got " + runs);
        }
        if (policies.isEmpty()) {
            throw new IllegalArgumentException("need at least one policy");
        }
    }

    public BanditReport simulate(double[] arms, int horizon, int runs, List<BanditPolicy> policies, long seed,
            long[] checkpoints, LongConsumer progress) {
        check(arms, horizon, runs, policies);
        double best = Double.NEGATIVE_INFINITY;
        for (double a : arms) {
            best = Math.max(best, a);
        }
        Map<String, BanditReport.PolicyResult> results = new LinkedHashMap<>();
        for (BanditPolicy policy : policies) {
            results.put(policy.name(), simulatePolicy(arms, best, horizon, runs, policy, seed, checkpoints, progress));
        }
        List<Double> armList = new ArrayList<>();
        for (double a : arms) {
            armList.add(a);
        }
        double c = laiRobbins(arms);
        return new BanditReport(armList, horizon, runs, seed, threads, new BanditReport.LaiRobbins(c, c * Math.log(horizon),
                "asymptotic lower bound C(mu) ln T for consistent policies; at finite horizons good policies can be below it"),
                results);
    }

    /** Lai–Robbins constant C(μ) = Σ_{i: Δ_i > 0} Δ_i / kl(μ_i, μ*). */
    public static double laiRobbins(double[] arms) {
        double best = Double.NEGATIVE_INFINITY;
        for (double a : arms) {
            best = Math.max(best, a);
        }
        double c = 0;
        for (double a : arms) {
            if (a < best) {
                c += (best - a) / KlUcb.kl(a, best);
            }
        }
        return c;
    }

    private BanditReport.PolicyResult simulatePolicy(double[] arms, double best, int horizon, int runs, BanditPolicy policy,
            long seed, long[] checkpoints, LongConsumer progress) {
        long[] curveT = curveTimes(horizon);
        double[] regret = new double[runs];
        double[] realised = new double[runs];
        double[] bestShare = new double[runs];
        double[][] atCheckpoint = new double[checkpoints.length][runs];
        double[][] curve = new double[curveT.length][runs];
        long start = System.nanoTime();
        ParallelChunks.run(threads, runs, "bandit-sim", (lo, hi) -> {
            BanditPolicy p = policy.copy();
            for (int r = lo; r < hi; r++) {
                UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(Hashing.deriveSeed(seed, policy.name(), r));
                runOne(arms, best, horizon, p, rng, r, regret, realised, bestShare, checkpoints, atCheckpoint, curveT, curve);
            }
        }, progress == null ? null : k -> progress.accept(k * horizon));
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, BanditReport.Checkpoint> cps = new LinkedHashMap<>();
        for (int c = 0; c < checkpoints.length; c++) {
            cps.put(Long.toString(checkpoints[c]), new BanditReport.Checkpoint(mean(atCheckpoint[c]), se(atCheckpoint[c])));
        }
        double[] curveMean = new double[curveT.length];
        double[] curveSe = new double[curveT.length];
        for (int i = 0; i < curveT.length; i++) {
            curveMean[i] = mean(curve[i]);
            curveSe[i] = se(curve[i]);
        }
        double pps = (double) runs * horizon / seconds;
        return new BanditReport.PolicyResult(mean(regret), se(regret), mean(realised), se(realised), cps, mean(bestShare),
                pps, pps / threads, curveT, curveMean, curveSe);
    }

    private static void runOne(double[] arms, double best, int horizon, BanditPolicy p, UniformRandomProvider rng, int r,
            double[] regret, double[] realised, double[] bestShare, long[] checkpoints, double[][] atCheckpoint,
            long[] curveT, double[][] curve) {
        int k = arms.length;
        long[] pulls = new long[k];
        long[] successes = new long[k];
        double[] gap = new double[k];
        for (int i = 0; i < k; i++) {
            gap[i] = best - arms[i];
        }
        double pseudo = 0;
        long rewards = 0;
        long bestPulls = 0;
        int nextCheckpoint = 0;
        int nextCurve = 0;
        for (int t = 1; t <= horizon; t++) {
            int a = p.select(pulls, successes, t - 1, rng);
            boolean reward = rng.nextDouble() < arms[a];
            pulls[a]++;
            if (reward) {
                successes[a]++;
                rewards++;
            }
            pseudo += gap[a];
            bestPulls += gap[a] == 0 ? 1 : 0;
            while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint] == t) {
                atCheckpoint[nextCheckpoint++][r] = pseudo;
            }
            while (nextCurve < curveT.length && curveT[nextCurve] == t) {
                curve[nextCurve++][r] = pseudo;
            }
        }
        regret[r] = pseudo;
        realised[r] = horizon * best - rewards;
        bestShare[r] = (double) bestPulls / horizon;
    }

    static long[] curveTimes(int horizon) {
        int n = Math.min(CURVE_POINTS, horizon);
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = Math.max(1, Math.round((double) horizon * (i + 1) / n));
        }
        return t;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double se(double[] v) {
        return v.length < 2 ? 0
                : new org.apache.commons.math3.stat.descriptive.moment.StandardDeviation().evaluate(v) / Math.sqrt(v.length);
    }
}

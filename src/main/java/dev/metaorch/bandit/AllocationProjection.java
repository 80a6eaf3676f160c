package dev.metaorch.bandit;

import dev.metaorch.common.Hashing;
import dev.metaorch.common.ParallelChunks;
import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * What an adaptive allocation will spend: a seeded Monte Carlo of the policy pulling
 * {@code sessions} times from Bernoulli variants with the given success rates, each pull costing
 * its variant's cost per session. A policy moves sessions toward the variant that succeeds most,
 * which is often the dearest, so an even split under-projects (issue 13: Thompson sampling over
 * the hub demo projected $24.13 and spent $73.17). Reported: the mean share of sessions per
 * variant (with standard errors), the mean and 90th percentile of the spend, and the bound that
 * needs no success rates — every session on the dearest variant — for when they are unknown.
 * Sessions run one after another here; the hub's concurrent launches see pending sessions as
 * evidence not yet in, which spreads them a little more evenly than this.
 */
public record AllocationProjection(String policy, long sessions, int runs, double[] share, double[] shareSe,
        double expectedUsd, double expectedUsdSe, double p90Usd, double dearestUsd) {

    public static AllocationProjection simulate(BanditPolicy policy, double[] successRates, double[] costPerSession,
            long sessions, int runs, long seed, int threads) {
        int k = successRates.length;
        if (k == 0 || costPerSession.length != k) {
            throw new IllegalArgumentException("need one success rate and one cost per variant");
        }
        if (sessions < 0 || sessions > Integer.MAX_VALUE || runs < 2) {
            throw new IllegalArgumentException("need 0 <= sessions <= 2^31 - 1 and runs >= 2");
        }
        double[][] shares = new double[runs][];
        double[] spend = new double[runs];
        ParallelChunks.run(Math.max(1, threads), runs, "allocation-projection", (lo, hi) -> {
            BanditPolicy p = policy.copy();
            for (int r = lo; r < hi; r++) {
                UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP
                        .create(Hashing.deriveSeed(seed, "allocation-" + policy.name(), r));
                long[] pulls = new long[k];
                long[] wins = new long[k];
                double cost = 0;
                for (long t = 0; t < sessions; t++) {
                    int a = p.select(pulls, wins, t, rng);
                    pulls[a]++;
                    wins[a] += rng.nextDouble() < successRates[a] ? 1 : 0;
                    cost += costPerSession[a];
                }
                double[] s = new double[k];
                for (int i = 0; i < k; i++) {
                    s[i] = sessions == 0 ? 0 : (double) pulls[i] / sessions;
                }
                shares[r] = s;
                spend[r] = cost;
            }
        }, null);
        double[] mean = new double[k];
        double[] se = new double[k];
        for (int i = 0; i < k; i++) {
            double[] col = new double[runs];
            for (int r = 0; r < runs; r++) {
                col[r] = shares[r][i];
            }
            mean[i] = BanditSimulator.mean(col);
            se[i] = BanditSimulator.se(col);
        }
        double[] sorted = spend.clone();
        Arrays.sort(sorted);
        double p90 = sorted[Math.max(0, (int) Math.ceil(0.9 * runs) - 1)];
        double dearest = Arrays.stream(costPerSession).max().orElse(0) * sessions;
        return new AllocationProjection(policy.name(), sessions, runs, mean, se, BanditSimulator.mean(spend),
                BanditSimulator.se(spend), p90, dearest);
    }
}

package dev.metaorch.stats;

import dev.metaorch.common.Hashing;
import dev.metaorch.common.ParallelChunks;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Seeded Monte Carlo check of {@link SequentialEstimate}: runs the paired GSPRT at a true effect
 * to its end {@code replications} times and measures the bias the interval coverage and mean width of the
 * sequential estimate and, beside it, of the fixed-sample estimate — over all runs and given each
 * decision. Every share and mean carries its Monte Carlo standard error.
 */
public record EstimateCheck(double effect, int replications, Figures sequential, Figures fixed,
        double acceptH1, double acceptH0, double inconclusive) {

    /** Bias (mean estimate − truth) and coverage, overall and conditional on the decision (NaN when none). */
    public record Figures(double bias, double biasSe, double coverage, double coverageSe, double meanWidth,
            double meanGivenH1, double meanGivenH0, double coverageGivenH1, double coverageGivenH0) {
    }

    public static EstimateCheck run(StoppingRule rule, double discordance, double effect, int replications, long seed,
            int threads) {
        double[][] out = new double[replications][];
        ParallelChunks.run(Math.max(1, threads), replications, "estimate-check", (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP
                        .create(Hashing.deriveSeed(seed, "estimate-check", i));
                SprtSimulator.PairedRun r = SprtSimulator.runPaired(rule, discordance, effect, rng);
                SequentialEstimate e = SequentialEstimate.of(r.counts(), rule, r.decision());
                out[i] = new double[] {r.decision().ordinal(), e.estimate(), e.ciLow(), e.ciHigh(), e.fixedEstimate(),
                        e.fixedCiLow(), e.fixedCiHigh()};
            }
        }, null);
        long h1 = 0;
        long h0 = 0;
        for (double[] o : out) {
            h1 += o[0] == Decision.ACCEPT_H1.ordinal() ? 1 : 0;
            h0 += o[0] == Decision.ACCEPT_H0.ordinal() ? 1 : 0;
        }
        return new EstimateCheck(effect, replications, figures(out, 1, effect), figures(out, 4, effect),
                (double) h1 / replications, (double) h0 / replications, (double) (replications - h1 - h0) / replications);
    }

    private static Figures figures(double[][] out, int col, double truth) {
        int r = out.length;
        double sum = 0;
        double sumSq = 0;
        double width = 0;
        long covered = 0;
        double[] given = new double[4];
        long[] count = new long[2];
        for (double[] o : out) {
            double err = o[col] - truth;
            sum += err;
            sumSq += err * err;
            width += o[col + 2] - o[col + 1];
            boolean cov = o[col + 1] <= truth && truth <= o[col + 2];
            covered += cov ? 1 : 0;
            int k = o[0] == Decision.ACCEPT_H1.ordinal() ? 0 : o[0] == Decision.ACCEPT_H0.ordinal() ? 1 : -1;
            if (k >= 0) {
                count[k]++;
                given[k] += o[col];
                given[2 + k] += cov ? 1 : 0;
            }
        }
        double bias = sum / r;
        double sd = Math.sqrt(Math.max(0, (sumSq - r * bias * bias) / (r - 1)));
        double coverage = (double) covered / r;
        return new Figures(bias, sd / Math.sqrt(r), coverage, Math.sqrt(coverage * (1 - coverage) / r), width / r,
                count[0] == 0 ? Double.NaN : given[0] / count[0], count[1] == 0 ? Double.NaN : given[1] / count[1],
                count[0] == 0 ? Double.NaN : given[2] / count[0], count[1] == 0 ? Double.NaN : given[3] / count[1]);
    }
}

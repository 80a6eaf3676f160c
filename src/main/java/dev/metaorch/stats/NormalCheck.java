package dev.metaorch.stats;

import dev.metaorch.common.Hashing;
import dev.metaorch.common.ParallelChunks;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Seeded Monte Carlo of the run's {@code normal} stopping rule (a metric where lower is better:
 * tokens, cost) on paired sessions: under H0 both arms draw from the same distribution; under H1
 * the test arm's values are the control's distribution scaled by {@code 1 − min_effect}. Two
 * shapes: normal (mean 1000, SD {@code spread} × 1000, floored at 0) and lognormal (median 1000,
 * log-SD {@code spread}: skewed like session costs). Reports alpha, power, the inconclusive
 * shares and mean pairs with their standard errors, and the false H1 decisions within 5 pairs.
 */
public record NormalCheck(Shape shape, double spread, long cap, int replications, double alpha, double alphaSe,
        double power, double powerSe, double inconclusiveH0, double inconclusiveH1, double meanPairsH0,
        double meanPairsH1, long falseH1Within5) {

    /** The distribution of one session's metric. */
    public enum Shape {
        NORMAL, LOGNORMAL
    }

    public static NormalCheck run(StoppingRule rule, Shape shape, double spread, int replications, long seed,
            int threads) {
        long[][] out = new long[2][replications];
        for (int h = 0; h < 2; h++) {
            boolean h1 = h == 1;
            double scale = h1 ? 1 - rule.minEffect() : 1;
            long[] o = out[h];
            ParallelChunks.run(Math.max(1, threads), replications, "normal-check", (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP
                            .create(Hashing.deriveSeed(seed, h1 ? "normal-h1" : "normal-h0", i));
                    ZigguratSampler.NormalizedGaussian z = ZigguratSampler.NormalizedGaussian.of(rng);
                    PairCounts c = PairCounts.EMPTY;
                    while (true) {
                        double control = draw(shape, spread, z.sample());
                        double test = scale * draw(shape, spread, z.sample());
                        c = c.plus(false, false, control, test);
                        Decision d = rule.evaluate(c).decision();
                        if (d.isFinal()) {
                            long n = c.pairs();
                            o[i] = d == Decision.ACCEPT_H1 ? -n : d == Decision.INCONCLUSIVE ? n | SprtSimulator.INCONCLUSIVE_FLAG : n;
                            break;
                        }
                    }
                }
            }, null);
        }
        double[] accept = new double[2];
        double[] inconclusive = new double[2];
        double[] mean = new double[2];
        long early = 0;
        for (int h = 0; h < 2; h++) {
            for (long v : out[h]) {
                long n = Math.abs(v) & ~SprtSimulator.INCONCLUSIVE_FLAG;
                accept[h] += v < 0 ? 1 : 0;
                inconclusive[h] += v >= 0 && (v & SprtSimulator.INCONCLUSIVE_FLAG) != 0 ? 1 : 0;
                mean[h] += n;
                early += h == 0 && v < 0 && n <= 5 ? 1 : 0;
            }
            accept[h] /= replications;
            inconclusive[h] /= replications;
            mean[h] /= replications;
        }
        return new NormalCheck(shape, spread, rule.cap(), replications, accept[0],
                Math.sqrt(accept[0] * (1 - accept[0]) / replications), accept[1],
                Math.sqrt(accept[1] * (1 - accept[1]) / replications), inconclusive[0], inconclusive[1], mean[0], mean[1],
                early);
    }

    /**
     * The cap a plan gives for these data: 2 × the fixed n ({@link SampleSize#normal}) for the SD of
     * the (clipped) log-ratio ln(control/test), measured as a plan would from earlier sessions: here
     * on a seeded pilot of 100,000 pairs under H0.
     */
    public static long plannedCap(Shape shape, double spread, double minEffect, double alpha, double beta) {
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(Hashing.deriveSeed(0, "normal-pilot", 0));
        ZigguratSampler.NormalizedGaussian z = ZigguratSampler.NormalizedGaussian.of(rng);
        int n = 100_000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double r = PairCounts.logRatio(draw(shape, spread, z.sample()), draw(shape, spread, z.sample()));
            sum += r;
            sumSq += r * r;
        }
        double sd = Math.sqrt((sumSq - sum * sum / n) / (n - 1));
        return SprtPlanner.cap(SampleSize.normal(sd, NormalGsprt.logTheta(minEffect, false), alpha, beta));
    }

    private static double draw(Shape shape, double spread, double z) {
        return shape == Shape.NORMAL ? Math.max(0, 1000 * (1 + spread * z)) : 1000 * Math.exp(spread * z);
    }
}

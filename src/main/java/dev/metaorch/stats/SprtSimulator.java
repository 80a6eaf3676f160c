package dev.metaorch.stats;

import dev.metaorch.common.Hashing;
import dev.metaorch.common.ParallelChunks;
import java.util.Arrays;
import java.util.function.LongConsumer;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Seeded Monte Carlo of a sequential test under H0 and H1. Replication i uses its own random
 * stream seeded from (seed, hypothesis, i), so the result is the same for any thread count.
 */
public final class SprtSimulator {
    private final int threads;

    public SprtSimulator(int threads) {
        this.threads = Math.max(1, threads);
    }

    /** A scenario: one replication's sample size and whether H1 was accepted. */
    public interface Scenario {
        /** Runs one replication; returns n (pairs or observations), negative when H1 was accepted. */
        long run(UniformRandomProvider rng, boolean underH1);
    }

    public SimulationSummary simulate(Scenario scenario, int replications, long seed, LongConsumer progress) {
        long start = System.nanoTime();
        long[] h0 = runAll(scenario, false, replications, seed, progress);
        long[] h1 = runAll(scenario, true, replications, seed, progress);
        double seconds = (System.nanoTime() - start) / 1e9;
        return summarise(h0, h1, replications, seconds);
    }

    private long[] runAll(Scenario scenario, boolean underH1, int reps, long seed, LongConsumer progress) {
        long[] out = new long[reps];
        ParallelChunks.run(threads, reps, "sprt-sim", (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP
                        .create(Hashing.deriveSeed(seed, underH1 ? "h1" : "h0", i));
                out[i] = scenario.run(rng, underH1);
            }
        }, progress);
        return out;
    }

    static SimulationSummary summarise(long[] h0, long[] h1, int reps, double seconds) {
        long[] n0 = new long[reps];
        long[] n1 = new long[reps];
        int acc0 = 0;
        int acc1 = 0;
        for (int i = 0; i < reps; i++) {
            acc0 += h0[i] < 0 ? 1 : 0;
            acc1 += h1[i] < 0 ? 1 : 0;
            n0[i] = Math.abs(h0[i]) & ~INCONCLUSIVE_FLAG;
            n1[i] = Math.abs(h1[i]) & ~INCONCLUSIVE_FLAG;
        }
        long inc0 = Arrays.stream(h0).filter(v -> v >= 0 && (v & INCONCLUSIVE_FLAG) != 0).count();
        long inc1 = Arrays.stream(h1).filter(v -> v >= 0 && (v & INCONCLUSIVE_FLAG) != 0).count();
        return new SimulationSummary(reps, (double) acc0 / reps, (double) acc1 / reps, mean(n0), mean(n1),
                percentile(n0, 0.90), percentile(n1, 0.90), percentile(n0, 0.99), percentile(n1, 0.99),
                (double) inc0 / reps, (double) inc1 / reps, seconds, standardError(n0), standardError(n1),
                percentileInterval(n0, 0.90), percentileInterval(n1, 0.90));
    }

    /** Standard error of the mean, {@code sd/√R} (Commons Math's bias-corrected standard deviation). */
    static double standardError(long[] v) {
        return v.length < 2 ? 0
                : new org.apache.commons.math3.stat.descriptive.moment.StandardDeviation()
                        .evaluate(java.util.Arrays.stream(v).asDoubleStream().toArray()) / Math.sqrt(v.length);
    }

    /**
     * Distribution-free 95% interval of the q-quantile: the order statistics at ranks
     * {@code Rq ∓ 1.96 √(Rq(1−q))} (normal approximation to the binomial count below the quantile).
     */
    static long[] percentileInterval(long[] v, double q) {
        long[] sorted = v.clone();
        Arrays.sort(sorted);
        int r = sorted.length;
        double half = 1.96 * Math.sqrt(r * q * (1 - q));
        int lo = (int) Math.floor(r * q - half);
        int hi = (int) Math.ceil(r * q + half);
        return new long[] {sorted[Math.max(0, Math.min(r - 1, lo - 1))], sorted[Math.max(0, Math.min(r - 1, hi - 1))]};
    }

    /** Marks a replication that hit the cap (bit 40; n never comes close). */
    public static final long INCONCLUSIVE_FLAG = 1L << 40;

    static double mean(long[] v) {
        double s = 0;
        for (long x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Nearest-rank percentile. */
    static long percentile(long[] v, double q) {
        long[] sorted = v.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * Paired design: each pair is a win with probability (d + Δ)/2, a loss with (d − Δ)/2 and a tie
     * with 1 − d (Δ = 0 under H0), fed to {@code rule}.
     */
    public static Scenario paired(StoppingRule rule, double discordance, double delta) {
        return (rng, h1) -> {
            double effect = h1 ? delta : 0;
            double pWin = (discordance + effect) / 2;
            double pLoss = (discordance - effect) / 2;
            return runPairs(rule, rng, () -> {
                double u = rng.nextDouble();
                return u < pWin ? 2 : u < pWin + pLoss ? 0 : 1;
            });
        };
    }

    /** Unpaired design: control ~ Bernoulli(p), test ~ Bernoulli(p + Δ) (p under H0), i-th with i-th. */
    public static Scenario unpaired(StoppingRule rule, double pControl, double delta) {
        return (rng, h1) -> {
            double pTest = pControl + (h1 ? delta : 0);
            return runPairs(rule, rng, () -> {
                boolean c = rng.nextDouble() < pControl;
                boolean t = rng.nextDouble() < pTest;
                return c == t ? 1 : t ? 2 : 0;
            });
        };
    }

    /** One-sample Bernoulli SPRT with observations ~ Bernoulli(p0) or Bernoulli(p1). */
    public static Scenario bernoulli(BernoulliSprt test, long cap) {
        return (rng, h1) -> {
            double p = h1 ? test.p1() : test.p0();
            long s = 0;
            long f = 0;
            while (true) {
                if (rng.nextDouble() < p) {
                    s++;
                } else {
                    f++;
                }
                Decision d = test.decide(s, f);
                long n = s + f;
                if (d == Decision.ACCEPT_H1) {
                    return -n;
                }
                if (d == Decision.ACCEPT_H0) {
                    return n;
                }
                if (n >= cap) {
                    return n | INCONCLUSIVE_FLAG;
                }
            }
        };
    }

    private interface PairDraw {
        int next();
    }

    private static long runPairs(StoppingRule rule, UniformRandomProvider rng, PairDraw draw) {
        PairedRun run = runToEnd(rule, draw);
        long n = run.counts().pairs();
        return switch (run.decision()) {
            case ACCEPT_H1 -> -n;
            case ACCEPT_H0 -> n;
            default -> n | INCONCLUSIVE_FLAG;
        };
    }

    /** One run of the paired GSPRT to its end: the final counts and the decision. */
    public record PairedRun(PairCounts counts, Decision decision) {
    }

    /**
     * One paired run with true effect {@code delta}: each pair a win with probability (d + Δ)/2,
     * a loss with (d − Δ)/2, a tie with 1 − d, fed to {@code rule} until it decides or hits its cap.
     */
    public static PairedRun runPaired(StoppingRule rule, double discordance, double delta, UniformRandomProvider rng) {
        if (!(discordance >= Math.abs(delta) && discordance <= 1)) {
            throw new IllegalArgumentException("need |effect| <= discordance <= 1 (d = " + discordance + ", effect = "
                    + delta + ")");
        }
        double pWin = (discordance + delta) / 2;
        double pLoss = (discordance - delta) / 2;
        return runToEnd(rule, () -> {
            double u = rng.nextDouble();
            return u < pWin ? 2 : u < pWin + pLoss ? 0 : 1;
        });
    }

    private static PairedRun runToEnd(StoppingRule rule, PairDraw draw) {
        long l = 0;
        long t = 0;
        long w = 0;
        while (true) {
            int score = draw.next();
            if (score == 0) {
                l++;
            } else if (score == 1) {
                t++;
            } else {
                w++;
            }
            PairCounts c = PairCounts.ofTrinomial(l, t, w);
            Decision d = rule.evaluate(c).decision();
            if (d.isFinal()) {
                return new PairedRun(c, d);
            }
        }
    }

    /**
     * The distribution of the number of pairs a paired run needs when the true effect is
     * {@code delta}: mean (with its standard error), median, 90th and 99th percentiles, and the
     * shares accepting H1 and ending inconclusive at the cap.
     */
    public record PairsDistribution(int replications, double effect, double mean, double meanSe, long p50, long p90,
            long p99, double acceptH1, double inconclusive) {
    }

    /** {@link PairsDistribution} over {@code reps} seeded runs at effect {@code delta}. */
    public PairsDistribution pairsAt(StoppingRule rule, double discordance, double delta, int reps, long seed) {
        long[] n = new long[reps];
        int[] outcome = new int[reps];
        ParallelChunks.run(threads, reps, "sprt-pairs", (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(Hashing.deriveSeed(seed, "pairs-at", i));
                PairedRun r = runPaired(rule, discordance, delta, rng);
                n[i] = r.counts().pairs();
                outcome[i] = r.decision() == Decision.ACCEPT_H1 ? 1 : r.decision() == Decision.INCONCLUSIVE ? 2 : 0;
            }
        }, null);
        long h1 = Arrays.stream(outcome).filter(o -> o == 1).count();
        long inc = Arrays.stream(outcome).filter(o -> o == 2).count();
        return new PairsDistribution(reps, delta, mean(n), standardError(n), percentile(n, 0.5), percentile(n, 0.9),
                percentile(n, 0.99), (double) h1 / reps, (double) inc / reps);
    }

    /**
     * The worst case for a budget: the distribution of pairs at the midpoint effect (±min_effect/2,
     * on the side the rule tests; + for direction both), where the GSPRT takes longest. One thread,
     * seeded, so a run's projection is reproducible.
     */
    public static PairsDistribution pairsAtMidpoint(StoppingRule rule, double discordance, int reps, long seed) {
        double mid = rule.minEffect() / 2 * (rule.direction() == Direction.WORSE ? -1 : 1);
        return new SprtSimulator(1).pairsAt(rule, discordance, mid, reps, seed);
    }
}

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
                (double) inc0 / reps, (double) inc1 / reps, seconds);
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
            Decision d = rule.evaluate(PairCounts.ofTrinomial(l, t, w)).decision();
            long n = l + t + w;
            if (d == Decision.ACCEPT_H1) {
                return -n;
            }
            if (d == Decision.ACCEPT_H0) {
                return n;
            }
            if (d == Decision.INCONCLUSIVE) {
                return n | INCONCLUSIVE_FLAG;
            }
        }
    }
}

package dev.metaorch.stats;

/**
 * What a Monte Carlo of a sequential test found: the empirical type I error and power, the mean
 * and percentiles of the sample size under each hypothesis, and how often the cap was hit. Each
 * mean comes with its standard error ({@code sd/√R}); each 90th percentile with a distribution-free
 * 95% interval from the order statistics (ranks {@code Rq ± 1.96 √(Rq(1−q))}).
 */
public record SimulationSummary(int replications, double alpha, double power, double asnH0, double asnH1,
        long p90H0, long p90H1, long p99H0, long p99H1, double inconclusiveH0, double inconclusiveH1,
        double seconds, double asnH0Se, double asnH1Se, long[] p90H0Interval, long[] p90H1Interval) {

    /** Standard error of a share estimated from the replications: {@code √(p(1−p)/R)}. */
    public double shareSe(double share) {
        return Math.sqrt(share * (1 - share) / replications);
    }
}

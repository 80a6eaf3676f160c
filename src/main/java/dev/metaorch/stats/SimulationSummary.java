package dev.metaorch.stats;

/**
 * What a Monte Carlo of a sequential test found: the empirical type I error and power, the mean
 * and percentiles of the sample size under each hypothesis, and how often the cap was hit.
 */
public record SimulationSummary(int replications, double alpha, double power, double asnH0, double asnH1,
        long p90H0, long p90H1, long p99H0, long p99H1, double inconclusiveH0, double inconclusiveH1,
        double seconds) {
}

package dev.metaorch.bandit;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** What {@code simulate-bandit} reports; its JSON shape is the contract of the issue. */
public record BanditReport(
        List<Double> arms,
        int horizon,
        int runs,
        long seed,
        int threads,
        @JsonProperty("lai_robbins") LaiRobbins laiRobbins,
        Map<String, PolicyResult> policies) {

    public record LaiRobbins(double constant, @JsonProperty("bound_at_horizon") double boundAtHorizon, String note) {
    }

    public record Checkpoint(double mean, double se) {
    }

    public record PolicyResult(
            @JsonProperty("regret_mean") double regretMean,
            @JsonProperty("regret_se") double regretSe,
            @JsonProperty("realised_regret_mean") double realisedRegretMean,
            @JsonProperty("realised_regret_se") double realisedRegretSe,
            Map<String, Checkpoint> checkpoints,
            @JsonProperty("best_arm_share") double bestArmShare,
            @JsonProperty("pulls_per_sec") double pullsPerSec,
            @JsonProperty("pulls_per_sec_per_core") double pullsPerSecPerCore,
            @JsonProperty("curve_t") long[] curveT,
            @JsonProperty("curve_mean") double[] curveMean,
            @JsonProperty("curve_se") double[] curveSe) {
    }
}

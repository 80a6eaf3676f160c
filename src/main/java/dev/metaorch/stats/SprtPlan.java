package dev.metaorch.stats;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A sequential design next to the fixed design it replaces: fixed n (in the design's unit:
 * pairs for paired, sessions per arm for unpaired — the test pairs the i-th control with the i-th
 * test session —, observations for bernoulli), an approximation of the test that is run (for the
 * GSPRT designs the Brownian approximation, for the Bernoulli SPRT Wald's), the Monte Carlo of the
 * actual test with standard errors, and the saving in expected sample size under each hypothesis.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SprtPlan(
        String design,
        String unit,
        Double discordance,
        double alpha,
        double beta,
        @JsonProperty("min_effect") double minEffect,
        @JsonProperty("fixed_n") long fixedN,
        @JsonProperty("fixed_n_raw") double fixedNRaw,
        long cap,
        Wald wald,
        Brownian brownian,
        Simulated simulated,
        Exact exact,
        @JsonProperty("savings_h0") Double savingsH0,
        @JsonProperty("savings_h1") Double savingsH1) {

    public record Wald(@JsonProperty("asn_h0") double asnH0, @JsonProperty("asn_h1") double asnH1) {
    }

    /**
     * The GSPRT as run, approximated by Brownian motion (Fishtest's model of the LLR): P(accept H1)
     * by time {@code cap} under each hypothesis, and the mean sample size truncated at the cap with
     * Siegmund's corrected diffusion (bounds moved out by 0.583 × the per-pair LLR SD, for the
     * overshoot of a discrete walk), under H0, H1 and at the midpoint effect (the longest case).
     */
    public record Brownian(double alpha, double power, @JsonProperty("asn_h0") double asnH0,
            @JsonProperty("asn_h1") double asnH1, @JsonProperty("asn_midpoint") double asnMidpoint) {
    }

    public record Simulated(int replications, long seed, double alpha, double power,
            @JsonProperty("asn_h0") double asnH0, @JsonProperty("asn_h1") double asnH1,
            @JsonProperty("p90_h0") long p90H0, @JsonProperty("p90_h1") long p90H1,
            @JsonProperty("p99_h0") long p99H0, @JsonProperty("p99_h1") long p99H1,
            @JsonProperty("inconclusive_h0") double inconclusiveH0,
            @JsonProperty("inconclusive_h1") double inconclusiveH1,
            double seconds,
            @JsonProperty("alpha_se") double alphaSe,
            @JsonProperty("power_se") double powerSe,
            @JsonProperty("asn_h0_se") double asnH0Se,
            @JsonProperty("asn_h1_se") double asnH1Se,
            @JsonProperty("inconclusive_h0_se") double inconclusiveH0Se,
            @JsonProperty("inconclusive_h1_se") double inconclusiveH1Se,
            @JsonProperty("p90_h0_ci95") long[] p90H0Ci,
            @JsonProperty("p90_h1_ci95") long[] p90H1Ci) {
        static Simulated of(SimulationSummary s, long seed) {
            return new Simulated(s.replications(), seed, s.alpha(), s.power(), s.asnH0(), s.asnH1(), s.p90H0(),
                    s.p90H1(), s.p99H0(), s.p99H1(), s.inconclusiveH0(), s.inconclusiveH1(), s.seconds(),
                    s.shareSe(s.alpha()), s.shareSe(s.power()), s.asnH0Se(), s.asnH1Se(),
                    s.shareSe(s.inconclusiveH0()), s.shareSe(s.inconclusiveH1()), s.p90H0Interval(), s.p90H1Interval());
        }
    }

    /** Exact operating characteristics (Bernoulli design only), by dynamic programming, no cap. */
    public record Exact(double alpha, double power, @JsonProperty("asn_h0") double asnH0,
            @JsonProperty("asn_h1") double asnH1) {
    }
}

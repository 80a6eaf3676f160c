package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.math.BigDecimal;
import java.util.List;

/**
 * One run's state for {@code watch} and the dashboard, computed by {@link RunStateSource} from
 * durable files only (run.json, result.json, sessions.jsonl, the tracker, the owner's lock).
 * Serialised in snake_case. Nullable fields are absent for the runs they do not apply to
 * (a hub run has no LLR; a running run has no decision).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunState(
        String runId,
        String kind,
        String experiment,
        RunStatus status,
        String statusReason,
        String decision,
        String reason,
        String ruleState,
        Rule rule,
        List<Arm> arms,
        Figures figures,
        Double etaSeconds,
        String etaBasis,
        String metric,
        String startedAt,
        String updatedAt,
        String resumeCommand,
        List<Double> trace,
        Effect effect) {

    /** The decision rule's state after the pairs evaluated so far, in pair order. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Rule(String test, long pairs, long wins, long ties, long losses, double llr, double lower, double upper,
            long fixedN, long capPairs, long brokenPairs) {
    }

    /** One arm: sessions that count, successes, and the Wilson 95% interval of the success rate. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Arm(String arm, String experimentId, long sessions, long successes, double successRate, double ciLow,
            double ciHigh) {
    }

    /**
     * The run's money and session figures: the ledger's ({@code RunLedger}, exact nano-dollars)
     * plus what only a live view has.
     * {@code inFlight} is a lower bound read from the log: sessions of pairs already started
     * that have no final record yet.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Figures(long attempts, long sessions, long spendNanoUsd, BigDecimal spendUsd, BigDecimal capUsd,
            long inFlight, long infraFailures) {
    }

    /** The effect estimate exactly as result.json states it, with its label. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Effect(double successRateDifference, List<Double> ci, boolean biased, String note, Adjusted adjusted) {
    }

    /** The estimate that accounts for the sequential design, when result.json has one. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Adjusted(double estimate, double ciLow, double ciHigh, double confidence, String method, String note) {
    }
}

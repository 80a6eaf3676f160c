package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.session.RunLedger;
import java.util.List;
import java.util.Map;

/**
 * {@code result.json} of a run-experiment run, serialised by Jackson in snake_case. The money
 * and session figures are the ledger's ({@link RunLedger.Figures}), computed from the log after
 * the last record landed; {@code sessionsInTest} counts the sessions the test used. {@code guard}
 * is the verdict of the {@link SelectionGuard} on the tasks a {@code --tasks} run left out
 * ({@code {"ran": false, "reason": ...}} when it did not run), absent for a run on every task.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExperimentResult(
        String runId,
        long seed,
        String decision,
        String reason,
        String stoppedBy,
        String directionFound,
        String method,
        String test,
        String design,
        String metric,
        String direction,
        double alpha,
        double beta,
        double minEffect,
        double llr,
        Bounds bounds,
        long pairs,
        long wins,
        long ties,
        long losses,
        long sessionsInTest,
        List<Long> outagePairs,
        Infrastructure infrastructure,
        RunLedger.Figures ledger,
        double maxCostUsd,
        long spendNanoUsd,
        double spendTotalUsd,
        long sessionsLaunched,
        long attempts,
        long fixedN,
        double fixedNRaw,
        long capPairs,
        Double savings,
        String savingDefinition,
        List<Double> trace,
        Map<String, ObjectNode> arms,
        Effect effect,
        Flipped flipped,
        dev.metaorch.runner.SpendProjection projection,
        String toolVersion,
        String startedAt,
        String endedAt,
        double wallSeconds,
        String metricSource,
        long notApplicablePairs,
        List<GuardrailResult> guardrails,
        String hypothesisVerdict,
        String effectScope,
        ObjectNode taskSelection,
        ObjectNode guard) {

    /** A guardrail's mirrored test: verdict held (no drop of max_drop), broken (a drop) or undecided. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record GuardrailResult(String metric, double maxDrop, String verdict, double llr, Bounds bounds, long pairs,
            double difference) {
    }

    public record Bounds(double lower, double upper) {
    }

    /**
     * Sessions that ended in error or timeout after their retries, per arm: counted as failures of
     * their arm (intention to treat), and compared between arms by Fisher's exact test.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Infrastructure(long controlSessions, long controlFailures, double controlRate, long testSessions,
            long testFailures, double testRate, Double fisherP, boolean differs, String note) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Effect(double successRateDifference, List<Double> ci, boolean biased, String note,
            dev.metaorch.stats.SequentialEstimate adjusted) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Flipped(List<String> toPass, List<String> toFail) {
    }
}

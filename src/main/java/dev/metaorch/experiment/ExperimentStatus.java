package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A live snapshot of an A/B run, for monitoring: the test's state, spend against the cap, and per
 * arm the sessions that ended in error or timeout after their retries.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExperimentStatus(long pairs, long wins, long ties, long losses, double llr, double lower, double upper,
        double controlRate, double testRate, double spendUsd, int inFlight, long sessionsDone, double etaSeconds,
        long expectedPairs, double maxCostUsd, long controlInfrastructure, long testInfrastructure) {
}

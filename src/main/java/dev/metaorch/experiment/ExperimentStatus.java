package dev.metaorch.experiment;

/** A live snapshot of an A/B run, for monitoring. */
public record ExperimentStatus(long pairs, long wins, long ties, long losses, double llr, double lower, double upper,
        double controlRate, double testRate, double spendUsd, int inFlight, long sessionsDone, double etaSeconds,
        long expectedPairs) {
}

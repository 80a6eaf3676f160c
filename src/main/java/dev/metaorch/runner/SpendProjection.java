package dev.metaorch.runner;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.metaorch.common.Money;
import java.util.Locale;

/**
 * A run's projected spend before it starts: pairs (expected and 90th percentile) times the cost
 * of a pair, where each arm's cost per session includes all its attempts (retries, errors,
 * timeouts and cancellations are paid too).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SpendProjection(boolean available, Double costPerSessionControl, String controlSource,
        Double costPerSessionTest, String testSource, Double attemptsPerSessionControl, Double attemptsPerSessionTest,
        Double expectedSessions, Double p90Sessions, Double expectedUsd, Double p90Usd, double budgetUsd,
        Long guardSessions) {

    public static SpendProjection unavailable(double budgetUsd) {
        return new SpendProjection(false, null, null, null, null, null, null, null, null, null, null, budgetUsd, null);
    }

    public static SpendProjection of(CostProjection.Estimate control, CostProjection.Estimate test, double expectedPairs,
            double p90Pairs, double budgetUsd) {
        return of(control, test, expectedPairs, p90Pairs, 0, budgetUsd);
    }

    /**
     * As {@link #of(CostProjection.Estimate, CostProjection.Estimate, double, double, double)}, plus
     * {@code guardPairs} pairs of a selection guard (ADR-135) in both the expected and the 90th
     * percentile figures: the guard runs after an acceptance, so a projection counts it in full.
     */
    public static SpendProjection of(CostProjection.Estimate control, CostProjection.Estimate test, double expectedPairs,
            double p90Pairs, long guardPairs, double budgetUsd) {
        double perPair = control.perSessionUsd() + test.perSessionUsd();
        double e = expectedPairs + guardPairs;
        double p90 = p90Pairs + guardPairs;
        return new SpendProjection(true, control.perSessionUsd(), control.source(), test.perSessionUsd(), test.source(),
                control.attemptsPerSession(), test.attemptsPerSession(), 2 * e, 2 * p90, e * perPair, p90 * perPair,
                budgetUsd, guardPairs > 0 ? 2 * guardPairs : null);
    }

    /** One line for the user. */
    public String describe() {
        return String.format(Locale.ROOT, "projected spend $%.4f expected (%.0f sessions), $%.4f at the 90th percentile "
                + "(%.0f sessions), at $%.5f + $%.5f per pair with every attempt (%.2f and %.2f attempts per session; "
                + "%s)%s; budget %s", expectedUsd, expectedSessions, p90Usd, p90Sessions, costPerSessionControl,
                costPerSessionTest, attemptsPerSessionControl, attemptsPerSessionTest,
                controlSource.equals(testSource) ? "both arms: " + controlSource
                        : "control: " + controlSource + "; test: " + testSource,
                guardSessions == null ? "" : String.format(Locale.ROOT, ", the guard's %d sessions on the excluded tasks "
                        + "included", guardSessions), Money.formatCap(budgetUsd));
    }
}

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
        Double expectedSessions, Double p90Sessions, Double expectedUsd, Double p90Usd, double budgetUsd) {

    public static SpendProjection unavailable(double budgetUsd) {
        return new SpendProjection(false, null, null, null, null, null, null, null, null, null, null, budgetUsd);
    }

    public static SpendProjection of(CostProjection.Estimate control, CostProjection.Estimate test, double expectedPairs,
            double p90Pairs, double budgetUsd) {
        double perPair = control.perSessionUsd() + test.perSessionUsd();
        return new SpendProjection(true, control.perSessionUsd(), control.source(), test.perSessionUsd(), test.source(),
                control.attemptsPerSession(), test.attemptsPerSession(), 2 * expectedPairs, 2 * p90Pairs,
                expectedPairs * perPair, p90Pairs * perPair, budgetUsd);
    }

    /** One line for the user. */
    public String describe() {
        return String.format(Locale.ROOT, "projected spend $%.4f expected (%.0f sessions), $%.4f at the 90th percentile "
                + "(%.0f sessions), at $%.5f + $%.5f per pair with every attempt (%.2f and %.2f attempts per session; "
                + "%s; %s); budget %s", expectedUsd, expectedSessions, p90Usd, p90Sessions, costPerSessionControl,
                costPerSessionTest, attemptsPerSessionControl, attemptsPerSessionTest, controlSource, testSource,
                Money.formatCap(budgetUsd));
    }
}

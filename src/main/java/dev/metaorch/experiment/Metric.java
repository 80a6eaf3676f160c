package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.metaorch.config.Task;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The quantity a run's test compares. {@code success} and {@code early_termination_rate} are
 * rates tested by the paired trinomial test; {@code tokens} and {@code cost_usd} are continuous
 * (lower is better). Early termination (seed 001: impossible tasks correctly rejected) is defined
 * on impossible tasks only, so a run testing it pairs only those.
 */
public enum Metric {
    SUCCESS, EARLY_TERMINATION_RATE, TOKENS, COST_USD;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The label, so that command-line completion and help show it. */
    @Override
    public String toString() {
        return label();
    }

    @JsonCreator
    public static Metric parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** The metric of that name, if metaorch can test it. */
    public static Optional<Metric> known(String s) {
        return Arrays.stream(values()).filter(m -> m.label().equals(s)).findFirst();
    }

    /** The sequential test for this metric when the config names {@code configured}. */
    public String test(String configured) {
        return isRate() ? configured : "normal";
    }

    public boolean isRate() {
        return this == SUCCESS || this == EARLY_TERMINATION_RATE;
    }

    /** True when the metric means something on this task. */
    public boolean definedOn(Task task) {
        return this != EARLY_TERMINATION_RATE || !task.solvable();
    }

    /** True when the metric means something for this record's task. */
    public boolean definedOn(SessionRecord r) {
        return this != EARLY_TERMINATION_RATE || (r.task() != null && !r.task().solvable());
    }

    /** For a rate: did this session score (a success; an impossible task rejected)? */
    public boolean scored(SessionRecord r) {
        if (r.outcome().isInfrastructure()) {
            return false;
        }
        return this == EARLY_TERMINATION_RATE ? r.outcome() == Outcome.REJECTED : r.success();
    }

    /** The record's value of this metric. */
    public double of(SessionRecord r) {
        return switch (this) {
            case TOKENS -> r.tokens() == null ? 0 : r.tokens().total();
            case COST_USD -> r.costUsd();
            case SUCCESS, EARLY_TERMINATION_RATE -> scored(r) ? 1 : 0;
        };
    }
}

package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.metaorch.session.SessionRecord;
import java.util.Locale;

/** The quantity a run's test compares: the success rate, or tokens or cost (lower is better). */
public enum Metric {
    SUCCESS, TOKENS, COST_USD;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Metric parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** The sequential test for this metric when the config names {@code configured}. */
    public String test(String configured) {
        return this == SUCCESS ? configured : "normal";
    }

    /** The record's value of this metric. */
    public double of(SessionRecord r) {
        return switch (this) {
            case TOKENS -> r.tokens() == null ? 0 : r.tokens().total();
            case COST_USD -> r.costUsd();
            case SUCCESS -> r.success() ? 1 : 0;
        };
    }
}

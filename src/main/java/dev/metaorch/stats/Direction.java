package dev.metaorch.stats;

import com.fasterxml.jackson.annotation.JsonValue;

/** Which change a test looks for: improvement, regression, or either (each side at alpha/2). */
public enum Direction {
    BETTER, WORSE, BOTH;

    @JsonValue
    public String label() {
        return name().toLowerCase();
    }

    /** The label, so that picocli's completion candidates and parsing use it. */
    @Override
    public String toString() {
        return label();
    }

    public static Direction parse(String s) {
        return valueOf(s.toUpperCase());
    }
}

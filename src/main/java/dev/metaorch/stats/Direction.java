package dev.metaorch.stats;

import com.fasterxml.jackson.annotation.JsonValue;

/** Which change a test looks for: improvement, regression, or either (each side at alpha/2). */
public enum Direction {
    BETTER, WORSE, BOTH;

    @JsonValue
    public String label() {
        return name().toLowerCase();
    }

    public static Direction parse(String s) {
        return valueOf(s.toUpperCase());
    }
}

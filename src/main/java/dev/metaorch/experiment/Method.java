package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a run decides: a sequential test that stops early, or a fixed number of pairs. */
public enum Method {
    SPRT, FIXED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Method parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}

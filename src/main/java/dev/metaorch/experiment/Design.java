package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Paired by task (pair k runs both arms on one task) or unpaired (each arm its own task order). */
public enum Design {
    PAIRED, UNPAIRED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Design parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}

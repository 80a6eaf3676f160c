package dev.metaorch.stats;

import com.fasterxml.jackson.annotation.JsonValue;

/** The state of a sequential test. */
public enum Decision {
    ACCEPT_H1("accept_h1"),
    ACCEPT_H0("accept_h0"),
    CONTINUE("continue"),
    INCONCLUSIVE("inconclusive");

    private final String label;

    Decision(String label) {
        this.label = label;
    }

    @JsonValue
    public String label() {
        return label;
    }

    public boolean isFinal() {
        return this != CONTINUE;
    }
}

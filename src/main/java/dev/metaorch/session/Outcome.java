package dev.metaorch.session;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a session ended. error, timeout and cancelled are infrastructure outcomes: never a trial. */
public enum Outcome {
    SUCCESS, FAILURE, REJECTED, ESCALATED, ERROR, TIMEOUT, CANCELLED;

    @JsonValue
    public String label() {
        return name().toLowerCase();
    }

    /** The label, so that command-line completion and help show it. */
    @Override
    public String toString() {
        return label();
    }

    @JsonCreator
    public static Outcome parse(String s) {
        return valueOf(s.toUpperCase());
    }

    /** Retried by the runner and left out of the statistics. */
    public boolean isInfrastructure() {
        return this == ERROR || this == TIMEOUT || this == CANCELLED;
    }
}

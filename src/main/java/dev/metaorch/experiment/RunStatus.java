package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a run stands, as the dashboard and {@code watch} show it. */
public enum RunStatus {
    /** Its owner process is alive. */
    RUNNING,
    /** An A/B run with its result.json written. */
    DECIDED,
    /** Its owner stopped and said so (SIGTERM, an error): the tracker holds "aborted". */
    ABORTED,
    /** No result, and its owner process is gone without a word (kill -9, power loss). */
    DEAD,
    /** A hub run or an import whose writer is gone (they have no decision). */
    FINISHED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Aborted and dead runs can be resumed; the others need nothing. */
    public boolean resumable() {
        return this == ABORTED || this == DEAD;
    }

    /** No more sessions will land. */
    public boolean ended() {
        return this != RUNNING;
    }
}

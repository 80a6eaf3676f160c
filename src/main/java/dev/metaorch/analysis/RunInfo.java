package dev.metaorch.analysis;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * What a run folder holds, read from its files without replaying its log: its kind, its arms
 * (arm name to experiment id), where its data came from and which task suite it ran. Two runs
 * belong to the same <em>data set</em> when origin and suite agree; analyses never mix data
 * sets silently (see {@link RunScope}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunInfo(String runId, Kind kind, Map<String, String> arms, String experiment, Origin origin, String suite,
        Instant startedAt, @JsonIgnore Path dir) {

    /** How the run was made. */
    public enum Kind {
        /** {@code run-experiment}: control against test with a stopping rule. */
        AB,
        /** {@code run}: several configs under an allocation policy. */
        HUB,
        /** {@code import}: sessions of an external benchmark log. */
        IMPORT;

        @JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where the sessions came from. */
    public enum Origin {
        /** Built-in model agents (simulated, caching). */
        SIMULATED,
        /** A real agent (process variant or a plugin). */
        AGENT,
        /** Imported from another tool's logs. */
        IMPORTED;

        @JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The data set this run belongs to: origin and task suite. */
    public String dataSet() {
        return origin.label() + " sessions on " + suite;
    }
}

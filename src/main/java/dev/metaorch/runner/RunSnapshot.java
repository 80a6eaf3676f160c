package dev.metaorch.runner;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * What a run depends on, kept in {@code run.json} under {@code "snapshot"} so the run is
 * self-contained: per arm, the resolved config as run, a copy of its task suite and of its
 * price table (in the run folder, named by content hash), and the variant plugin's name,
 * version and source. A resume runs on these copies, from any working directory, and reports
 * (refuses, unless {@code --force}) when an original changed since the run started.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunSnapshot(
        int format,
        @JsonProperty("tool_version") String toolVersion,
        Map<String, Input> configs,
        Map<String, Input> suites,
        Map<String, Input> prices,
        Map<String, Plugin> plugins) {

    /** The layout version of this record. */
    public static final int FORMAT = 1;

    /**
     * One input file: where it came from (absolute path), its copy in the run folder (a name
     * relative to the folder), the SHA-256 of its bytes, and its own version when it has one.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Input(String source, String copy, String sha256, String version) {
    }

    /** The variant plugin that served an arm. */
    public record Plugin(String name, String version, String source) {
    }
}

package dev.metaorch.results;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where a run stands at one moment, as its results say: its {@code result.json} (null until
 * decided), whether its owner (the process that runs it, or the team store's coordinator) is at
 * work, whether it said it stopped (aborted), and how that was found out (shown to people).
 */
public record RunEnd(JsonNode result, boolean alive, boolean aborted, String how) {
}

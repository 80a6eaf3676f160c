package dev.metaorch.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One session attempt, one line of {@code sessions.jsonl} (DESIGN.md "Session record").
 * {@code sessionId} is {@code <run-id>/<arm>/<pair>}; retries share it and differ in {@code attempt}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionRecord(
        int schema,
        String sessionId,
        String runId,
        String experimentId,
        String arm,
        String configHash,
        String variant,
        String modelId,
        TaskRef task,
        long pair,
        int repeat,
        long seed,
        int attempt,
        String startedAt,
        String endedAt,
        long latencyMs,
        Outcome outcome,
        boolean success,
        Double externalScore,
        Tokens tokens,
        int llmCalls,
        double costUsd,
        String priceTable,
        int steps,
        List<String> guidelineHashes,
        ErrorInfo error,
        ObjectNode metrics) {

    public static final int SCHEMA = 1;

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TaskRef(String id, String instance, String code, boolean solvable, int optimalSteps) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tokens(long prompt, long completion, long cachedPrompt, long total) {
        public static final Tokens ZERO = new Tokens(0, 0, 0, 0);

        public static Tokens of(long prompt, long completion, long cachedPrompt) {
            return new Tokens(prompt, completion, cachedPrompt, prompt + completion);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorInfo(String type, String message) {
    }

    /** This attempt's cost in exact nano-dollars (the ledger's unit; see {@link dev.metaorch.common.Money}). */
    public long costNanos() {
        return Double.isFinite(costUsd) ? dev.metaorch.common.Money.nanos(costUsd) : 0;
    }

    /** The key of the logical session: all attempts of one session share it. */
    public String key() {
        return sessionId;
    }
}

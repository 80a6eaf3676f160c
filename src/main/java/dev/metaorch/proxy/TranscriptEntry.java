package dev.metaorch.proxy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * One line of a transcript ({@code results/runs/<run-id>/transcripts/<session>.a<attempt>.jsonl}).
 * {@code start} opens it; {@code agent} is one stdout line of the agent (its number, the parsed
 * event, or {@code raw} text when it was not JSON); {@code llm} is one call metered by the proxy;
 * {@code warning} is something metaorch noticed (a mismatch between the agent's {@code llm_call}
 * reports and the proxy, a replay that diverged); {@code truncated} counts entries left out by the
 * size bound; {@code end} sums the session up.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TranscriptEntry(Kind kind, String sessionId, Integer attempt, String taskId, String model, Boolean proxy,
        Long line, JsonNode event, String raw, LlmCall call, String message, Long dropped, End end) {

    public enum Kind {
        START, AGENT, LLM, WARNING, TRUNCATED, END;

        @JsonValue
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The session's summary: outcome, tokens and exact cost as they go into the session record. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record End(String outcome, boolean success, long promptTokens, long cachedPromptTokens, long completionTokens,
            int llmCalls, int steps, BigDecimal costUsd, String meteredBy, String error, JsonNode answer) {
    }

    static TranscriptEntry start(String sessionId, int attempt, String taskId, String model, boolean proxy) {
        return new TranscriptEntry(Kind.START, sessionId, attempt, taskId, model, proxy, null, null, null, null, null, null,
                null);
    }

    static TranscriptEntry agent(long line, JsonNode event, String raw) {
        return new TranscriptEntry(Kind.AGENT, null, null, null, null, null, line, event, raw, null, null, null, null);
    }

    static TranscriptEntry llm(LlmCall call) {
        return new TranscriptEntry(Kind.LLM, null, null, null, null, null, null, null, null, call, null, null, null);
    }

    static TranscriptEntry warning(String message) {
        return new TranscriptEntry(Kind.WARNING, null, null, null, null, null, null, null, null, null, message, null, null);
    }

    static TranscriptEntry truncated(long dropped) {
        return new TranscriptEntry(Kind.TRUNCATED, null, null, null, null, null, null, null, null, null, null, dropped, null);
    }

    static TranscriptEntry end(End end) {
        return new TranscriptEntry(Kind.END, null, null, null, null, null, null, null, null, null, null, null, end);
    }
}

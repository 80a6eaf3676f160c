package dev.metaorch.variant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord.ErrorInfo;
import dev.metaorch.session.SessionRecord.Tokens;

/**
 * What a variant reports about one session. Agents report tokens only; {@code costUsd} is set
 * by metaorch-side variant code that priced calls to several models itself, otherwise the
 * runner prices the tokens at the config's model.
 * {@code latencyMs} is the session's duration (simulated time for the simulated variant).
 */
public record SessionResult(Outcome outcome, boolean success, Double externalScore, Tokens tokens, int llmCalls,
        int steps, long latencyMs, ErrorInfo error, ObjectNode metrics, Double costUsd) {

    public static SessionResult infrastructure(Outcome outcome, String type, String message, long latencyMs,
            Tokens tokens, int llmCalls, int steps) {
        return new SessionResult(outcome, false, null, tokens, llmCalls, steps, latencyMs,
                new ErrorInfo(type, message), Json.object(), null);
    }
}

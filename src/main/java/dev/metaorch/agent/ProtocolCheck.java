package dev.metaorch.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.proxy.TranscriptEntry;
import dev.metaorch.session.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an agent's stdout against the process protocol (docs/protocol.md), line by line, and
 * says what is wrong with each line and how to fix it. It reports every problem, not just the
 * first one that ended the session.
 */
public final class ProtocolCheck {
    /** One problem: the agent's stdout line it is about (0 when it is about the whole session) and what is wrong. */
    public record Problem(long line, String message) {
        @Override
        public String toString() {
            return (line > 0 ? "line " + line + ": " : "session: ") + message;
        }
    }

    static final Set<String> TYPES = Set.of("llm_call", "step", "log", "result");
    static final Set<String> OUTCOMES = Set.of("success", "failure", "rejected", "escalated");
    static final Set<String> LEVELS = Set.of("debug", "info", "warn", "error");
    static final Set<String> RESULT_FIELDS = Set.of("type", "success", "outcome", "answer", "external_score", "metrics");
    static final Map<String, String> MISPLACED = Map.of(
            "tokens", "report tokens as llm_call events (one per LLM call), or let the metering proxy count them",
            "prompt_tokens", "report tokens as llm_call events (one per LLM call), or let the metering proxy count them",
            "completion_tokens", "report tokens as llm_call events (one per LLM call), or let the metering proxy count them",
            "steps", "report each step as a step event",
            "cost", "metaorch computes cost itself from the tokens and configs/prices.json",
            "cost_usd", "metaorch computes cost itself from the tokens and configs/prices.json",
            "llm_calls", "report each LLM call as an llm_call event, or let the metering proxy count them");

    private ProtocolCheck() {
    }

    /** Every problem of a session: its agent lines (from the transcript) and how it ended. */
    public static List<Problem> check(List<TranscriptEntry> transcript, Outcome outcome, String errorMessage) {
        List<Problem> out = new ArrayList<>();
        long resultLine = 0;
        for (TranscriptEntry e : transcript) {
            if (e.kind() == TranscriptEntry.Kind.WARNING) {
                out.add(new Problem(0, e.message()));
            }
            if (e.kind() != TranscriptEntry.Kind.AGENT) {
                continue;
            }
            long n = e.line();
            if (e.raw() != null) {
                String raw = e.raw();
                out.add(new Problem(n, "not JSON: " + (raw.length() > 80 ? raw.substring(0, 80) + "..." : raw)
                        + " (stdout is for protocol events only, one JSON object per line; write logs to stderr)"));
                continue;
            }
            JsonNode ev = e.event();
            if (!ev.isObject()) {
                out.add(new Problem(n, "expected a JSON object, got " + ev.getNodeType().toString().toLowerCase()));
                continue;
            }
            if (resultLine > 0) {
                out.add(new Problem(n, "an event after the result (line " + resultLine + "): the result must be the last line"));
            }
            JsonNode type = ev.get("type");
            if (type == null || !type.isTextual()) {
                String hint = ev.has("success") || ev.has("outcome") ? ": this looks like a result, add \"type\":\"result\""
                        : ": every line needs \"type\": one of llm_call, step, log, result";
                out.add(new Problem(n, "no \"type\" field" + hint));
                continue;
            }
            switch (type.asText()) {
                case "llm_call" -> {
                    for (String f : List.of("prompt_tokens", "completion_tokens")) {
                        if (!ev.path(f).canConvertToLong() || !ev.path(f).isIntegralNumber() || ev.path(f).asLong() < 0) {
                            out.add(new Problem(n, "llm_call: \"" + f + "\" must be an integer >= 0 (tokens), got " + ev.get(f)));
                        }
                    }
                    JsonNode cached = ev.get("cached_prompt_tokens");
                    if (cached != null && (!cached.isIntegralNumber() || cached.asLong() < 0
                            || cached.asLong() > ev.path("prompt_tokens").asLong())) {
                        out.add(new Problem(n, "llm_call: \"cached_prompt_tokens\" must be an integer between 0 and "
                                + "prompt_tokens (cached tokens are part of the prompt), got " + cached));
                    }
                    if (ev.has("model") && !ev.get("model").isTextual()) {
                        out.add(new Problem(n, "llm_call: \"model\" must be a string"));
                    }
                    if (ev.has("duration_ms") && !(ev.get("duration_ms").isNumber() && ev.get("duration_ms").asDouble() >= 0)) {
                        out.add(new Problem(n, "llm_call: \"duration_ms\" must be a number >= 0 (milliseconds)"));
                    }
                }
                case "step" -> {
                    if (ev.has("n") && !ev.get("n").isIntegralNumber()) {
                        out.add(new Problem(n, "step: \"n\" must be an integer"));
                    }
                    if (ev.has("ok") && !ev.get("ok").isBoolean()) {
                        out.add(new Problem(n, "step: \"ok\" must be true or false"));
                    }
                    if (ev.has("tool") && !ev.get("tool").isTextual()) {
                        out.add(new Problem(n, "step: \"tool\" must be a string"));
                    }
                }
                case "log" -> {
                    if (ev.has("level") && !LEVELS.contains(ev.get("level").asText())) {
                        out.add(new Problem(n, "log: \"level\" must be one of " + LEVELS.stream().sorted().toList()));
                    }
                }
                case "result" -> {
                    if (resultLine > 0) {
                        out.add(new Problem(n, "a second result (the first is line " + resultLine + ")"));
                    }
                    resultLine = n;
                    if (!ev.path("success").isBoolean()) {
                        out.add(new Problem(n, "result: \"success\" must be true or false, got " + ev.get("success")));
                    }
                    if (ev.has("outcome") && !OUTCOMES.contains(ev.get("outcome").asText())) {
                        out.add(new Problem(n, "result: \"outcome\" must be one of " + OUTCOMES.stream().sorted().toList()
                                + ", got " + ev.get("outcome")));
                    }
                    if (ev.has("external_score") && !ev.get("external_score").isNumber() && !ev.get("external_score").isNull()) {
                        out.add(new Problem(n, "result: \"external_score\" must be a number"));
                    }
                    if (ev.has("metrics") && !ev.get("metrics").isObject()) {
                        out.add(new Problem(n, "result: \"metrics\" must be an object"));
                    }
                    ev.fieldNames().forEachRemaining(f -> {
                        if (!RESULT_FIELDS.contains(f)) {
                            out.add(new Problem(n, "result: field \"" + f + "\" is ignored"
                                    + (MISPLACED.containsKey(f) ? ": " + MISPLACED.get(f) : "; put your own figures in \"metrics\"")));
                        }
                    });
                }
                default -> out.add(new Problem(n, "unknown event type \"" + type.asText() + "\" (known: llm_call, step, log, result)"));
            }
        }
        if (outcome == Outcome.TIMEOUT && resultLine > 0) {
            out.add(new Problem(resultLine, "the agent sent its result but did not exit before the timeout: exit (code 0) "
                    + "right after the result line; metaorch waits for the process to end"));
        } else if (outcome != null && outcome.isInfrastructure() && errorMessage != null) {
            out.add(new Problem(0, outcome.label() + ": " + errorMessage));
        } else if (resultLine == 0 && outcome != null && !outcome.isInfrastructure()) {
            out.add(new Problem(0, "no result line"));
        }
        return out;
    }
}

package dev.metaorch.variant.builtin;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.session.Outcome;
import java.io.IOException;

/**
 * The events an agent writes on stdout (DESIGN.md "Variant plugins", protocol 1), parsed and
 * checked: a number that is negative, not finite ({@code NaN}, {@code Infinity}, {@code 1e309}),
 * not whole where a count is expected, or beyond {@link #MAX_TOKENS_PER_CALL}, a non-boolean
 * {@code success}, an {@code outcome} that contradicts it or a field of the wrong type is an
 * {@link InvalidEvent}, never a stored absurd number. A missing count is 0.
 */
final class AgentEvents {
    /**
     * The most tokens of one kind one call may report. Far above any model's context window
     * (about 10^7 tokens in 2026), low enough that no sum over calls can overflow a long and no
     * cost reaches an absurd figure.
     */
    static final long MAX_TOKENS_PER_CALL = 1_000_000_000L;
    /** The longest duration one call may report: 30 days. */
    static final double MAX_DURATION_MS = 30.0 * 24 * 3600 * 1000;

    /** Accepts NaN and Infinity so that they are reported as invalid numbers, not as malformed JSON. */
    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private AgentEvents() {
    }

    /** One event from the agent. */
    sealed interface Event permits LlmCall, Step, Log, Result {
    }

    /** One paid model call: metaorch prices the tokens itself. */
    record LlmCall(String model, long promptTokens, long completionTokens, long cachedPromptTokens, double durationMs)
            implements Event {
    }

    record Step(long n, Boolean ok) implements Event {
    }

    record Log() implements Event {
    }

    /** The agent's verdict; {@code metrics} includes {@code answer} when one was given. */
    record Result(boolean success, Outcome outcome, Double externalScore, ObjectNode metrics) implements Event {
    }

    /** A line that is JSON but not a valid event; the message says which field and why. */
    static final class InvalidEvent extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidEvent(String message) {
            super(message);
        }
    }

    /** A line that is not JSON at all. */
    static final class MalformedLine extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedLine(String message) {
            super(message);
        }
    }

    static Event parse(String line) throws MalformedLine, InvalidEvent {
        JsonNode ev;
        try {
            ev = READER.readTree(line);
        } catch (IOException e) {
            throw new MalformedLine("malformed JSON: " + shorten(line));
        }
        if (ev == null || !ev.isObject()) {
            throw new InvalidEvent("not a JSON object: " + shorten(line));
        }
        String type = ev.path("type").isTextual() ? ev.get("type").asText() : "";
        return switch (type) {
            case "llm_call" -> llmCall(ev);
            case "step" -> new Step(count("step", ev, "n", Long.MAX_VALUE), bool("step", ev, "ok", false));
            case "log" -> new Log();
            case "result" -> result(ev);
            default -> throw new InvalidEvent("unknown event type " + (ev.has("type") ? ev.get("type").toString() : "(none)"));
        };
    }

    private static LlmCall llmCall(JsonNode ev) throws InvalidEvent {
        long prompt = count("llm_call", ev, "prompt_tokens", MAX_TOKENS_PER_CALL);
        long completion = count("llm_call", ev, "completion_tokens", MAX_TOKENS_PER_CALL);
        long cached = count("llm_call", ev, "cached_prompt_tokens", MAX_TOKENS_PER_CALL);
        if (cached > prompt) {
            throw new InvalidEvent("llm_call cached_prompt_tokens (" + cached + ") exceeds prompt_tokens (" + prompt
                    + "): cached tokens are part of the prompt");
        }
        JsonNode model = ev.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw new InvalidEvent("llm_call model must be a string, got " + shorten(model.toString()));
        }
        double duration = 0;
        JsonNode d = ev.get("duration_ms");
        if (d != null && !d.isNull()) {
            duration = finite("llm_call", "duration_ms", d);
            if (duration < 0 || duration > MAX_DURATION_MS) {
                throw new InvalidEvent("llm_call duration_ms must be from 0 to " + (long) MAX_DURATION_MS + ", got "
                        + shorten(d.toString()));
            }
        }
        return new LlmCall(model == null || model.isNull() ? null : model.asText(), prompt, completion, cached, duration);
    }

    private static Result result(JsonNode ev) throws InvalidEvent {
        JsonNode s = ev.get("success");
        if (s == null || !s.isBoolean()) {
            throw new InvalidEvent("result success must be true or false, got "
                    + (s == null ? "nothing" : shorten(s.toString())));
        }
        boolean success = s.booleanValue();
        Outcome outcome = success ? Outcome.SUCCESS : Outcome.FAILURE;
        JsonNode o = ev.get("outcome");
        if (o != null && !o.isNull()) {
            outcome = switch (o.isTextual() ? o.asText() : "") {
                case "success" -> Outcome.SUCCESS;
                case "failure" -> Outcome.FAILURE;
                case "rejected" -> Outcome.REJECTED;
                case "escalated" -> Outcome.ESCALATED;
                default -> throw new InvalidEvent("result outcome must be one of success, failure, rejected, escalated; got "
                        + shorten(o.toString()));
            };
            if (outcome == Outcome.SUCCESS && !success || outcome == Outcome.FAILURE && success) {
                throw new InvalidEvent("result outcome " + outcome.label() + " contradicts success " + success);
            }
        }
        Double external = null;
        JsonNode x = ev.get("external_score");
        if (x != null && !x.isNull()) {
            external = finite("result", "external_score", x);
        }
        JsonNode m = ev.get("metrics");
        if (m != null && !m.isNull() && !m.isObject()) {
            throw new InvalidEvent("result metrics must be an object, got " + shorten(m.toString()));
        }
        ObjectNode metrics = m instanceof ObjectNode mo ? mo.deepCopy() : dev.metaorch.common.Json.object();
        if (ev.has("answer")) {
            metrics.set("answer", ev.get("answer"));
        }
        return new Result(success, outcome, external, metrics);
    }

    /** A whole number from 0 to {@code max}; 0 when missing or null. */
    private static long count(String event, JsonNode ev, String field, long max) throws InvalidEvent {
        JsonNode n = ev.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        String what = event + " " + field;
        if (!n.isNumber()) {
            throw new InvalidEvent(what + " must be a number, got " + shorten(n.toString()));
        }
        long v;
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) {
                throw new InvalidEvent(what + " is out of range: " + shorten(n.toString()));
            }
            v = n.longValue();
        } else {
            double d = finite(event, field, n);
            if (d != Math.rint(d)) {
                throw new InvalidEvent(what + " must be a whole number, got " + shorten(n.toString()));
            }
            if (Math.abs(d) >= 0x1p63) {
                throw new InvalidEvent(what + " is out of range: " + shorten(n.toString()));
            }
            v = (long) d;
        }
        if (v < 0) {
            throw new InvalidEvent(what + " must not be negative, got " + v);
        }
        if (v > max) {
            throw new InvalidEvent(what + " is out of range: " + v + " is more than " + max);
        }
        return v;
    }

    private static double finite(String event, String field, JsonNode n) throws InvalidEvent {
        if (!n.isNumber()) {
            throw new InvalidEvent(event + " " + field + " must be a number, got " + shorten(n.toString()));
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d)) {
            throw new InvalidEvent(event + " " + field + " must be a finite number, got "
                    + (Double.isNaN(d) ? "NaN" : shorten(n.toString())));
        }
        return d;
    }

    private static Boolean bool(String event, JsonNode ev, String field, boolean required) throws InvalidEvent {
        JsonNode b = ev.get(field);
        if (b == null || b.isNull()) {
            if (required) {
                throw new InvalidEvent(event + " " + field + " must be true or false, got nothing");
            }
            return null;
        }
        if (!b.isBoolean()) {
            throw new InvalidEvent(event + " " + field + " must be true or false, got " + shorten(b.toString()));
        }
        return b.booleanValue();
    }

    static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}

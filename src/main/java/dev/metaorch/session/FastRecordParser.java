package dev.metaorch.session;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming (token by token) reader of one session-record line, for the common case: every
 * field has the JSON type the record declares. It returns {@code null} for anything else (a
 * number where a string belongs, a null primitive, an unknown outcome, trailing tokens, a syntax
 * error...), and the caller then reads the line with Jackson's data binding, which decides (coerces
 * or rejects) exactly as before. So the records read are identical to data binding's, at a
 * fraction of its cost: no creator-property buffering, no tree for the record (ADR-153).
 * Stateless and thread-safe.
 */
final class FastRecordParser {
    private static final ObjectMapper MAPPER = Json.mapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();
    /** Trees for {@code metrics} as data binding builds them; the record's own end is checked here. */
    private static final ObjectReader TREE = MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Thrown (without a stack trace) when a line leaves the fast path. */
    private static final class Unexpected extends Exception {
        private static final long serialVersionUID = 1L;

        Unexpected() {
            super(null, null, false, false);
        }
    }

    private static final Unexpected UNEXPECTED = new Unexpected();

    private FastRecordParser() {
    }

    /** The record on the line, or null when the line must go through data binding. */
    static SessionRecord parse(byte[] bytes, int offset, int length) {
        try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            SessionRecord r = record(p);
            return p.nextToken() == null ? r : null;
        } catch (IOException | Unexpected | RuntimeException e) {
            return null;
        }
    }

    private static SessionRecord record(JsonParser p) throws IOException, Unexpected {
        int schema = 0;
        String sessionId = null;
        String runId = null;
        String experimentId = null;
        String arm = null;
        String configHash = null;
        String variant = null;
        String modelId = null;
        SessionRecord.TaskRef task = null;
        long pair = 0;
        int repeat = 0;
        long seed = 0;
        int attempt = 0;
        String startedAt = null;
        String endedAt = null;
        long latencyMs = 0;
        Outcome outcome = null;
        boolean success = false;
        Double externalScore = null;
        SessionRecord.Tokens tokens = null;
        int llmCalls = 0;
        double costUsd = 0;
        String priceTable = null;
        int steps = 0;
        List<String> guidelineHashes = null;
        SessionRecord.ErrorInfo error = null;
        ObjectNode metrics = null;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "schema" -> schema = intValue(p, t);
                case "session_id" -> sessionId = text(p, t);
                case "run_id" -> runId = text(p, t);
                case "experiment_id" -> experimentId = text(p, t);
                case "arm" -> arm = text(p, t);
                case "config_hash" -> configHash = text(p, t);
                case "variant" -> variant = text(p, t);
                case "model_id" -> modelId = text(p, t);
                case "task" -> task = task(p, t);
                case "pair" -> pair = longValue(p, t);
                case "repeat" -> repeat = intValue(p, t);
                case "seed" -> seed = longValue(p, t);
                case "attempt" -> attempt = intValue(p, t);
                case "started_at" -> startedAt = text(p, t);
                case "ended_at" -> endedAt = text(p, t);
                case "latency_ms" -> latencyMs = longValue(p, t);
                case "outcome" -> outcome = Outcome.parse(text(p, t));
                case "success" -> success = bool(t);
                case "external_score" -> externalScore = t == JsonToken.VALUE_NULL ? null : doubleValue(p, t);
                case "tokens" -> tokens = tokens(p, t);
                case "llm_calls" -> llmCalls = intValue(p, t);
                case "cost_usd" -> costUsd = doubleValue(p, t);
                case "price_table" -> priceTable = text(p, t);
                case "steps" -> steps = intValue(p, t);
                case "guideline_hashes" -> guidelineHashes = strings(p, t);
                case "error" -> error = error(p, t);
                case "metrics" -> metrics = metrics(p, t);
                default -> p.skipChildren();
            }
        }
        return new SessionRecord(schema, sessionId, runId, experimentId, arm, configHash, variant, modelId, task, pair, repeat,
                seed, attempt, startedAt, endedAt, latencyMs, outcome, success, externalScore, tokens, llmCalls, costUsd,
                priceTable, steps, guidelineHashes, error, metrics);
    }

    private static SessionRecord.TaskRef task(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.START_OBJECT);
        String id = null;
        String instance = null;
        String code = null;
        boolean solvable = false;
        int optimalSteps = 0;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "id" -> id = text(p, v);
                case "instance" -> instance = text(p, v);
                case "code" -> code = text(p, v);
                case "solvable" -> solvable = bool(v);
                case "optimal_steps" -> optimalSteps = intValue(p, v);
                default -> p.skipChildren();
            }
        }
        return new SessionRecord.TaskRef(id, instance, code, solvable, optimalSteps);
    }

    private static SessionRecord.Tokens tokens(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.START_OBJECT);
        long prompt = 0;
        long completion = 0;
        long cached = 0;
        long total = 0;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt" -> prompt = longValue(p, v);
                case "completion" -> completion = longValue(p, v);
                case "cached_prompt" -> cached = longValue(p, v);
                case "total" -> total = longValue(p, v);
                default -> p.skipChildren();
            }
        }
        return new SessionRecord.Tokens(prompt, completion, cached, total);
    }

    private static SessionRecord.ErrorInfo error(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.START_OBJECT);
        String type = null;
        String message = null;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "type" -> type = text(p, v);
                case "message" -> message = text(p, v);
                default -> p.skipChildren();
            }
        }
        return new SessionRecord.ErrorInfo(type, message);
    }

    private static List<String> strings(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.START_ARRAY);
        List<String> out = new ArrayList<>();
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(v, JsonToken.VALUE_STRING);
            out.add(text(p, v));
        }
        return out;
    }

    private static ObjectNode metrics(JsonParser p, JsonToken t) throws IOException, Unexpected {
        expect(t, JsonToken.START_OBJECT);
        JsonNode n = TREE.readTree(p);
        if (!(n instanceof ObjectNode o)) {
            throw UNEXPECTED;
        }
        return o;
    }

    /** A string or null. */
    private static String text(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.VALUE_STRING);
        return p.getText();
    }

    private static int intValue(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            throw UNEXPECTED;
        }
        return p.getIntValue();
    }

    private static long longValue(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw UNEXPECTED;
        }
        return p.getLongValue();
    }

    private static double doubleValue(JsonParser p, JsonToken t) throws IOException, Unexpected {
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
            throw UNEXPECTED;
        }
        return p.getDoubleValue();
    }

    private static boolean bool(JsonToken t) throws Unexpected {
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw UNEXPECTED;
    }

    private static void expect(JsonToken t, JsonToken wanted) throws Unexpected {
        if (t != wanted) {
            throw UNEXPECTED;
        }
    }
}

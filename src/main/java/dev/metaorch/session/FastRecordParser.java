package dev.metaorch.session;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
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
            // duplicate keys are found with bit masks over the known fields (any other key leaves the
            // fast path), cheaper than the parser's per-object hash set
            configure(p);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            SessionRecord r = record(p, bytes, offset); // the parser counts bytes from offset
            return p.nextToken() == null ? r : null;
        } catch (IOException | Unexpected | RuntimeException e) {
            return null;
        }
    }

    private static void configure(JsonParser p) {
        p.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        p.enable(JsonParser.Feature.USE_FAST_DOUBLE_PARSER);
    }

    /**
     * The lines of one block, read by a single parser (setting a parser up costs about as much as
     * reading a short record). Each line's record must start at the line's first non-blank byte
     * and be followed by blanks only; any other line, and any line the fast path refuses, is
     * read on its own by {@link #parse} (so by data binding when needed), and the block parser
     * starts again at the next line. Lines are given in order; blank lines may be left out.
     */
    static final class Block implements AutoCloseable {
        private final byte[] bytes;
        private final int limit;
        private JsonParser parser;
        private int base;

        Block(byte[] bytes, int limit) {
            this.bytes = bytes;
            this.limit = limit;
        }

        /** The record on the line {@code bytes[from, from + length)}, or null for data binding. */
        SessionRecord next(int from, int length) {
            try {
                if (parser == null) {
                    base = from;
                    parser = FACTORY.createParser(bytes, from, limit - from);
                    configure(parser);
                }
                int first = firstNonBlank(bytes, from, length);
                if (parser.nextToken() == JsonToken.START_OBJECT
                        && base + parser.currentTokenLocation().getByteOffset() == first) {
                    SessionRecord r = record(parser, bytes, base);
                    int end = (int) (base + parser.currentLocation().getByteOffset());
                    if (end <= from + length && firstNonBlank(bytes, end, from + length - end) == from + length) {
                        return r;
                    }
                }
            } catch (IOException | Unexpected | RuntimeException e) {
                // this line is read on its own below
            }
            close();
            return parse(bytes, from, length);
        }

        @Override
        public void close() {
            if (parser != null) {
                try {
                    parser.close();
                } catch (IOException e) {
                    // a byte-array parser has nothing to release that can fail
                }
                parser = null;
            }
        }
    }

    private static int firstNonBlank(byte[] bytes, int offset, int length) {
        int i = offset;
        while (i < offset + length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r')) {
            i++;
        }
        return i;
    }

    /** Field names in the order the record is written (its components'), to match bytes against. */
    private static final SerializedString[] RECORD_ORDER = names("schema", "session_id", "run_id", "experiment_id", "arm",
            "config_hash", "variant", "model_id", "task", "pair", "repeat", "seed", "attempt", "started_at", "ended_at",
            "latency_ms", "outcome", "success", "external_score", "tokens", "llm_calls", "cost_usd", "price_table", "steps",
            "guideline_hashes", "error", "metrics");
    private static final SerializedString[] TASK_ORDER = names("id", "instance", "code", "solvable", "optimal_steps");
    private static final SerializedString[] TOKENS_ORDER = names("prompt", "completion", "cached_prompt", "total");

    private static SerializedString[] names(String... names) {
        SerializedString[] out = new SerializedString[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = new SerializedString(names[i]);
        }
        return out;
    }

    /**
     * The next field name of the current object, or null at its end. {@code order[next[0]]} is
     * the name expected next: when the bytes match it, no symbol-table lookup is needed. Any
     * other name (or order) is read the usual way.
     */
    private static String nextName(JsonParser p, SerializedString[] order, int[] next) throws IOException, Unexpected {
        int k = next[0];
        JsonToken t;
        if (k < order.length) {
            if (p.nextFieldName(order[k])) {
                next[0] = k + 1;
                return order[k].getValue();
            }
            next[0] = order.length;
            t = p.currentToken(); // nextFieldName moved on to it
        } else {
            t = p.nextToken();
        }
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        if (t != JsonToken.FIELD_NAME) {
            throw UNEXPECTED;
        }
        return p.currentName();
    }

    /** Marks field {@code bit} as seen; a second occurrence is a duplicate key. */
    private static long seen(long mask, int bit) throws Unexpected {
        long b = 1L << bit;
        if ((mask & b) != 0) {
            throw UNEXPECTED;
        }
        return mask | b;
    }

    private static SessionRecord record(JsonParser p, byte[] bytes, long base) throws IOException, Unexpected {
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
        long mask = 0;
        int[] next = {0};
        String name;
        while ((name = nextName(p, RECORD_ORDER, next)) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "schema" -> {
                    mask = seen(mask, 0);
                    schema = intValue(p, t);
                }
                case "session_id" -> {
                    mask = seen(mask, 1);
                    sessionId = text(p, t);
                }
                case "run_id" -> {
                    mask = seen(mask, 2);
                    runId = text(p, t);
                }
                case "experiment_id" -> {
                    mask = seen(mask, 3);
                    experimentId = text(p, t);
                }
                case "arm" -> {
                    mask = seen(mask, 4);
                    arm = text(p, t);
                }
                case "config_hash" -> {
                    mask = seen(mask, 5);
                    configHash = text(p, t);
                }
                case "variant" -> {
                    mask = seen(mask, 6);
                    variant = text(p, t);
                }
                case "model_id" -> {
                    mask = seen(mask, 7);
                    modelId = text(p, t);
                }
                case "task" -> {
                    mask = seen(mask, 8);
                    task = task(p, t);
                }
                case "pair" -> {
                    mask = seen(mask, 9);
                    pair = longValue(p, t);
                }
                case "repeat" -> {
                    mask = seen(mask, 10);
                    repeat = intValue(p, t);
                }
                case "seed" -> {
                    mask = seen(mask, 11);
                    seed = longValue(p, t);
                }
                case "attempt" -> {
                    mask = seen(mask, 12);
                    attempt = intValue(p, t);
                }
                case "started_at" -> {
                    mask = seen(mask, 13);
                    startedAt = text(p, t);
                }
                case "ended_at" -> {
                    mask = seen(mask, 14);
                    endedAt = text(p, t);
                }
                case "latency_ms" -> {
                    mask = seen(mask, 15);
                    latencyMs = longValue(p, t);
                }
                case "outcome" -> {
                    mask = seen(mask, 16);
                    outcome = outcome(text(p, t));
                }
                case "success" -> {
                    mask = seen(mask, 17);
                    success = bool(t);
                }
                case "external_score" -> {
                    mask = seen(mask, 18);
                    externalScore = t == JsonToken.VALUE_NULL ? null : doubleValue(p, t);
                }
                case "tokens" -> {
                    mask = seen(mask, 19);
                    tokens = tokens(p, t);
                }
                case "llm_calls" -> {
                    mask = seen(mask, 20);
                    llmCalls = intValue(p, t);
                }
                case "cost_usd" -> {
                    mask = seen(mask, 21);
                    costUsd = doubleValue(p, t);
                }
                case "price_table" -> {
                    mask = seen(mask, 22);
                    priceTable = text(p, t);
                }
                case "steps" -> {
                    mask = seen(mask, 23);
                    steps = intValue(p, t);
                }
                case "guideline_hashes" -> {
                    mask = seen(mask, 24);
                    guidelineHashes = strings(p, t);
                }
                case "error" -> {
                    mask = seen(mask, 25);
                    error = error(p, t);
                }
                case "metrics" -> {
                    mask = seen(mask, 26);
                    metrics = metrics(p, t, bytes, base);
                }
                default -> throw UNEXPECTED;
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
        long mask = 0;
        int[] next = {0};
        String name;
        while ((name = nextName(p, TASK_ORDER, next)) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "id" -> {
                    mask = seen(mask, 0);
                    id = text(p, v);
                }
                case "instance" -> {
                    mask = seen(mask, 1);
                    instance = text(p, v);
                }
                case "code" -> {
                    mask = seen(mask, 2);
                    code = text(p, v);
                }
                case "solvable" -> {
                    mask = seen(mask, 3);
                    solvable = bool(v);
                }
                case "optimal_steps" -> {
                    mask = seen(mask, 4);
                    optimalSteps = intValue(p, v);
                }
                default -> throw UNEXPECTED;
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
        long mask = 0;
        int[] next = {0};
        String name;
        while ((name = nextName(p, TOKENS_ORDER, next)) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt" -> {
                    mask = seen(mask, 0);
                    prompt = longValue(p, v);
                }
                case "completion" -> {
                    mask = seen(mask, 1);
                    completion = longValue(p, v);
                }
                case "cached_prompt" -> {
                    mask = seen(mask, 2);
                    cached = longValue(p, v);
                }
                case "total" -> {
                    mask = seen(mask, 3);
                    total = longValue(p, v);
                }
                default -> throw UNEXPECTED;
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
        long mask = 0;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "type" -> {
                    mask = seen(mask, 0);
                    type = text(p, v);
                }
                case "message" -> {
                    mask = seen(mask, 1);
                    message = text(p, v);
                }
                default -> throw UNEXPECTED;
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

    /**
     * The free-form metrics object, built by data binding's tree reader over its own bytes with
     * the mapper's parser settings (duplicate keys rejected); {@code base} maps the parser's byte
     * offsets to indexes in {@code bytes}.
     */
    private static ObjectNode metrics(JsonParser p, JsonToken t, byte[] bytes, long base) throws IOException, Unexpected {
        expect(t, JsonToken.START_OBJECT);
        long from = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long to = p.currentLocation().getByteOffset();
        if (to - from == 2) {
            return MAPPER.createObjectNode(); // {}
        }
        JsonNode n = TREE.readTree(bytes, (int) (base + from), (int) (to - from));
        if (!(n instanceof ObjectNode o)) {
            throw UNEXPECTED;
        }
        return o;
    }

    private static Outcome outcome(String label) {
        return switch (label) {
            case "success" -> Outcome.SUCCESS;
            case "failure" -> Outcome.FAILURE;
            case "rejected" -> Outcome.REJECTED;
            case "escalated" -> Outcome.ESCALATED;
            case "error" -> Outcome.ERROR;
            case "timeout" -> Outcome.TIMEOUT;
            case "cancelled" -> Outcome.CANCELLED;
            default -> Outcome.parse(label);
        };
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

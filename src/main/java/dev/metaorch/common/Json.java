package dev.metaorch.common;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one place where the Jackson mapper is configured. Mappers are thread-safe once built;
 * {@link #mapper()} returns a shared immutable-after-construction instance.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Pretty JSON text with a trailing newline. */
    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Compact one-line JSON text (no newline). */
    public static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Canonical JSON: map keys sorted at every level, compact. Used before hashing. */
    public static String canonical(Object value) {
        try {
            Object plain = MAPPER.convertValue(value, Object.class);
            return MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsString(plain);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * The JSON pointer of the first number in {@code node} that does not fit a double (such as
     * {@code 1e309}, read as infinity), or null when every number is finite.
     */
    public static String firstNonFiniteNumber(JsonNode node) {
        return firstNonFinite(node, "");
    }

    private static String firstNonFinite(JsonNode node, String pointer) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            return pointer.isEmpty() ? "/" : pointer;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = firstNonFinite(node.get(i), pointer + "/" + i);
                if (p != null) {
                    return p;
                }
            }
        } else if (node.isObject()) {
            for (var e : node.properties()) {
                String p = firstNonFinite(e.getValue(), pointer + "/" + e.getKey().replace("~", "~0").replace("/", "~1"));
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The problem line for a number out of range at {@code pointer} of {@code name}. */
    public static String outOfRange(String name, String pointer) {
        return name + ": " + pointer + ": number out of range (larger than a double can hold, about 1.8e308)";
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }
}

package dev.metaorch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The experiment config schema, read from {@code experiment.schema.json} (the same file that
 * ships in {@code configs/schema/} for editors), and a validator for the subset of JSON Schema
 * it uses: type, properties, additionalProperties=false, required, enum, pattern, minLength,
 * minimum/maximum (inclusive and exclusive), items and default. Keeping one file means the
 * editor schema and metaorch's checks cannot drift apart.
 */
public final class JsonSchema {
    private static final String RESOURCE = "/dev/metaorch/config/experiment.schema.json";

    private final JsonNode root;

    private JsonSchema(JsonNode root) {
        this.root = root;
    }

    public static JsonSchema experiment() {
        try (InputStream in = JsonSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return new JsonSchema(Json.mapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode root() {
        return root;
    }

    /** Keys that must be present once inheritance is resolved. */
    public List<String> requiredAfterInheritance() {
        List<String> keys = new ArrayList<>();
        root.path("x-required-after-inheritance").forEach(n -> keys.add(n.asText()));
        return keys;
    }

    /** The sub-schema at a JSON pointer of an instance ({@code /run/concurrency}), if defined. */
    public Optional<JsonNode> schemaAt(String pointer) {
        JsonNode node = root;
        for (String part : pointer.substring(1).split("/")) {
            JsonNode props = node.path("properties");
            if (!props.has(part)) {
                return Optional.empty();
            }
            node = props.get(part);
        }
        return Optional.of(node);
    }

    /** Known property names of the object schema at {@code pointer} (for "did you mean"). */
    public List<String> propertyNames(String pointer) {
        JsonNode node = pointer.isEmpty() ? root : schemaAt(pointer).orElse(null);
        List<String> names = new ArrayList<>();
        if (node != null) {
            node.path("properties").fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    /** Fills absent keys that have a {@code default}, recursively; reports each filled pointer. */
    public void applyDefaults(ObjectNode instance, BiConsumer<String, JsonNode> filled) {
        applyDefaults(root, instance, "", filled);
    }

    private static void applyDefaults(JsonNode schema, ObjectNode instance, String pointer,
            BiConsumer<String, JsonNode> filled) {
        Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode sub = e.getValue();
            String p = pointer + "/" + e.getKey();
            if (!instance.has(e.getKey()) && sub.has("default")) {
                instance.set(e.getKey(), sub.get("default").deepCopy());
                if (!sub.get("default").isObject()) {
                    filled.accept(p, sub.get("default"));
                }
            }
            if (instance.get(e.getKey()) instanceof ObjectNode child && sub.has("properties")) {
                applyDefaults(sub, child, p, filled);
            }
        }
    }

    /** Validates {@code instance}; each problem is reported as (JSON pointer, message). */
    public void validate(JsonNode instance, BiConsumer<String, String> problem) {
        validate(root, instance, "", problem);
    }

    static void validate(JsonNode schema, JsonNode value, String pointer, BiConsumer<String, String> problem) {
        String type = schema.path("type").asText("");
        if (!type.isEmpty() && !hasType(value, type)) {
            problem.accept(pointer, "expected " + article(type) + ", got " + describe(value));
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode allowed : schema.get("enum")) {
                found |= allowed.equals(value) || (allowed.isNumber() && value.isNumber()
                        && allowed.decimalValue().compareTo(value.decimalValue()) == 0);
            }
            if (!found) {
                List<String> options = new ArrayList<>();
                schema.get("enum").forEach(n -> options.add(n.isTextual() ? n.asText() : n.toString()));
                String hint = value.isTextual()
                        ? Suggestions.closest(value.asText(), options).map(s -> " (did you mean '" + s + "'?)").orElse("")
                        : "";
                problem.accept(pointer, "must be one of " + String.join(", ", options) + ", got "
                        + describe(value) + hint);
            }
        }
        if (value.isTextual()) {
            checkString(schema, value.asText(), pointer, problem);
        }
        if (value.isNumber()) {
            checkNumber(schema, value.decimalValue(), pointer, problem);
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                validate(schema.get("items"), value.get(i), pointer + "/" + i, problem);
            }
        }
        if (value.isObject()) {
            checkObject(schema, value, pointer, problem);
        }
    }

    private static void checkObject(JsonNode schema, JsonNode value, String pointer, BiConsumer<String, String> problem) {
        JsonNode props = schema.path("properties");
        for (JsonNode req : schema.path("required")) {
            if (!value.has(req.asText())) {
                problem.accept(pointer + "/" + req.asText(), "required key is missing");
            }
        }
        TreeSet<String> known = new TreeSet<>();
        props.fieldNames().forEachRemaining(known::add);
        Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = pointer + "/" + escape(e.getKey());
            if (props.has(e.getKey())) {
                validate(props.get(e.getKey()), e.getValue(), p, problem);
            } else if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
                String hint = Suggestions.closest(e.getKey(), known).map(s -> " (did you mean '" + s + "'?)").orElse("");
                problem.accept(p, "unknown key" + hint);
            }
        }
    }

    private static void checkString(JsonNode schema, String s, String pointer, BiConsumer<String, String> problem) {
        if (schema.has("minLength") && s.length() < schema.get("minLength").asInt()) {
            problem.accept(pointer, s.isEmpty() ? "must not be empty" : "is shorter than " + schema.get("minLength").asInt());
        }
        if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
            problem.accept(pointer, "'" + s + "' does not match " + schema.get("pattern").asText());
        }
    }

    private static void checkNumber(JsonNode schema, BigDecimal v, String pointer, BiConsumer<String, String> problem) {
        if (schema.has("minimum") && v.compareTo(schema.get("minimum").decimalValue()) < 0) {
            problem.accept(pointer, "must be >= " + schema.get("minimum").asText() + ", got " + v.toPlainString());
        }
        if (schema.has("maximum") && v.compareTo(schema.get("maximum").decimalValue()) > 0) {
            problem.accept(pointer, "must be <= " + schema.get("maximum").asText() + ", got " + v.toPlainString());
        }
        if (schema.has("exclusiveMinimum") && v.compareTo(schema.get("exclusiveMinimum").decimalValue()) <= 0) {
            problem.accept(pointer, "must be > " + schema.get("exclusiveMinimum").asText() + ", got " + v.toPlainString());
        }
        if (schema.has("exclusiveMaximum") && v.compareTo(schema.get("exclusiveMaximum").decimalValue()) >= 0) {
            problem.accept(pointer, "must be < " + schema.get("exclusiveMaximum").asText() + ", got " + v.toPlainString());
        }
    }

    static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber()
                    || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> true;
        };
    }

    static String describe(JsonNode v) {
        if (v.isTextual()) {
            String s = v.asText();
            return "string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isNull()) {
            return "null";
        }
        return (v.isBoolean() ? "boolean " : "number ") + v.asText();
    }

    private static String article(String type) {
        return ("object".equals(type) || "array".equals(type) || "integer".equals(type) ? "an " : "a ") + type;
    }

    static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}

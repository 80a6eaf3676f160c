package dev.metaorch.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads an experiment config: reads the file and its parents, migrates old layouts, deep-merges
 * (objects key by key; scalars and arrays replace), applies {@code --set} overrides, validates
 * everything against {@link JsonSchema}, fills defaults, and hashes the guidelines.
 * All problems are collected and thrown together as one {@link MetaorchException} (exit 2).
 */
public final class ConfigLoader {
    /** Deepest allowed parent chain. */
    public static final int MAX_DEPTH = 32;
    static final String DEFAULT_SOURCE = "(default)";

    private final JsonSchema schema;

    public ConfigLoader() {
        this(JsonSchema.experiment());
    }

    public ConfigLoader(JsonSchema schema) {
        this.schema = schema;
    }

    public JsonSchema schema() {
        return schema;
    }

    /**
     * Loads a resolved config as written into a run folder: its {@code parent} is history, not
     * a file to read, so it is set aside while loading and put back.
     */
    public ResolvedConfig loadSnapshot(Path file) {
        JsonNode n;
        try {
            n = Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw MetaorchException.invalidInput(display(file) + ": cannot read resolved config: " + e.getMessage());
        }
        if (!(n instanceof ObjectNode tree)) {
            throw MetaorchException.invalidInput(display(file) + ": /: expected a JSON object");
        }
        JsonNode parent = tree.remove("parent");
        tree.remove("guideline_hashes");
        tree.remove("config_hash");
        ResolvedConfig loaded = resolve(List.of(new Layer(file, display(file), tree)), List.of(), new ArrayList<>());
        if (parent != null) {
            loaded.tree().set("parent", parent);
        }
        return loaded;
    }

    public ResolvedConfig load(Path file) {
        return load(file, List.of());
    }

    public ResolvedConfig load(Path file, List<String> overrides) {
        List<String> warnings = new ArrayList<>();
        return resolve(readChain(file, warnings), overrides, warnings);
    }

    /** Merges a chain of layers (leaf first), applies overrides, validates, fills defaults, hashes. */
    private ResolvedConfig resolve(List<Layer> chain, List<String> overrides, List<String> warnings) {
        ObjectNode merged = Json.object();
        Map<String, String> sources = new TreeMap<>();
        for (int i = chain.size() - 1; i >= 0; i--) {
            Layer layer = chain.get(i);
            merge(merged, layer.tree(), "", layer.name(), sources);
        }
        List<Problem> problems = new ArrayList<>();
        for (Override o : parseOverrides(overrides, problems)) {
            setAt(merged, o.pointer(), o.value());
            removeUnder(sources, o.pointer());
            recordSources(o.value(), o.pointer(), o.source(), sources);
        }
        String leafName = chain.get(0).name();
        schema.validate(merged, (pointer, message) -> problems.add(new Problem(sourceOf(pointer, sources, leafName), pointer, message)));
        for (String key : schema.requiredAfterInheritance()) {
            if (!merged.has(key) && schema.schemaAt("/" + key).map(s -> !s.has("default")).orElse(true)) {
                problems.add(new Problem(leafName, "/" + key, "required key is missing (not set by this file or any parent)"));
            }
        }
        if (!problems.isEmpty()) {
            throw MetaorchException.invalidInput(problems.stream().map(Problem::toString).toList());
        }
        schema.applyDefaults(merged, (pointer, value) -> sources.putIfAbsent(pointer, DEFAULT_SOURCE));
        resolveTasksPath(merged, sources, chain);
        List<String> hashes = new ArrayList<>();
        ArrayNode hashNode = merged.putArray("guideline_hashes");
        for (JsonNode g : merged.path("guidelines")) {
            String h = Hashing.md5(g.asText());
            hashes.add(h);
            hashNode.add(h);
        }
        String configHash = configHash(merged);
        merged.put("config_hash", configHash);
        merged = inSchemaOrder(merged);
        List<Path> files = chain.stream().map(Layer::path).toList();
        return new ResolvedConfig(files.get(0), files, merged, sources, warnings, hashes, configHash);
    }

    /** The same object with its top-level keys in the order the schema lists them (for readable output). */
    private ObjectNode inSchemaOrder(ObjectNode merged) {
        ObjectNode ordered = Json.object();
        for (String key : schema.propertyNames("")) {
            if (merged.has(key)) {
                ordered.set(key, merged.get(key));
            }
        }
        merged.properties().forEach(e -> {
            if (!ordered.has(e.getKey())) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        return ordered;
    }

    /**
     * The config hash identifies what the agent does: variant, model, guidelines and params
     * (canonical JSON, keys sorted), not the ids, run settings or statistics.
     */
    static String configHash(ObjectNode merged) {
        ObjectNode identity = Json.object();
        identity.set("variant", merged.path("variant"));
        identity.set("model_id", merged.path("model_id"));
        identity.set("guidelines", merged.path("guidelines"));
        identity.set("params", merged.path("params"));
        return Hashing.sha256(Json.canonical(identity)).substring(0, 12);
    }

    private List<Layer> readChain(Path file, List<String> warnings) {
        List<Layer> chain = new ArrayList<>();
        List<Path> seen = new ArrayList<>();
        Path current = file;
        String requestedBy = null;
        while (current != null) {
            Path canonical = current.toAbsolutePath().normalize();
            if (seen.contains(canonical)) {
                List<String> names = new ArrayList<>(chain.stream().map(Layer::name).toList());
                names.add(display(current));
                throw MetaorchException.invalidInput(display(file) + ": /parent: parent cycle: "
                        + String.join(" -> ", names));
            }
            if (chain.size() >= MAX_DEPTH) {
                throw MetaorchException.invalidInput(display(file) + ": /parent: parent chain deeper than "
                        + MAX_DEPTH + ": " + String.join(" -> ", chain.stream().map(Layer::name).toList()) + " -> ...");
            }
            seen.add(canonical);
            Layer layer = readLayer(current, requestedBy, warnings);
            chain.add(layer);
            JsonNode parent = layer.tree().get("parent");
            if (parent == null) {
                current = null;
            } else if (!parent.isTextual() || parent.asText().isBlank()) {
                throw MetaorchException.invalidInput(layer.name() + ": /parent: expected a string naming the parent, got "
                        + JsonSchema.describe(parent));
            } else {
                current = parentPath(current, parent.asText());
                requestedBy = layer.name() + ": /parent";
            }
        }
        return chain;
    }

    static Path parentPath(Path child, String parent) {
        Path dir = child.toAbsolutePath().getParent();
        boolean isPath = parent.endsWith(".json") || parent.contains("/") || parent.contains("\\");
        Path relative = isPath ? Path.of(parent) : Path.of(parent + ".json");
        Path resolved = dir.resolve(relative).normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return resolved.startsWith(cwd) ? cwd.relativize(resolved) : resolved;
    }

    private Layer readLayer(Path path, String requestedBy, List<String> warnings) {
        String name = display(path);
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            String where = requestedBy == null ? name + ": file not found"
                    : requestedBy + ": parent config " + name + " not found";
            throw MetaorchException.invalidInput(where);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String place = loc == null ? "/" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw MetaorchException.invalidInput(name + ": " + place + ": invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw MetaorchException.invalidInput(name + ": cannot read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw MetaorchException.invalidInput(name + ": /: expected a JSON object, got an empty file");
        }
        if (!tree.isObject()) {
            throw MetaorchException.invalidInput(name + ": /: expected a JSON object, got " + JsonSchema.describe(tree));
        }
        String bad = Json.firstNonFiniteNumber(tree);
        if (bad != null) {
            throw MetaorchException.invalidInput(Json.outOfRange(name, bad));
        }
        ObjectNode obj = (ObjectNode) tree;
        obj.remove("guideline_hashes");
        obj.remove("config_hash");
        if (!obj.has("schema_version")) {
            Migration.fromFlatLayout(obj);
            warnings.add(name + ": deprecated flat layout without schema_version; migrated on load "
                    + "(add \"schema_version\": 1 and nest run/stopping settings)");
        }
        return new Layer(path, name, obj);
    }

    /** Deep merge with provenance: objects merge key by key, scalars and arrays replace. */
    static void merge(ObjectNode target, ObjectNode layer, String pointer, String source, Map<String, String> sources) {
        Iterator<Map.Entry<String, JsonNode>> it = layer.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = pointer + "/" + JsonSchema.escape(e.getKey());
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode existingObj && e.getValue() instanceof ObjectNode incoming) {
                merge(existingObj, incoming, p, source, sources);
            } else {
                target.set(e.getKey(), e.getValue().deepCopy());
                removeUnder(sources, p);
                recordSources(e.getValue(), p, source, sources);
            }
        }
    }

    private static void recordSources(JsonNode value, String pointer, String source, Map<String, String> sources) {
        if (value instanceof ObjectNode obj && obj.size() > 0) {
            obj.properties().forEach(e -> recordSources(e.getValue(), pointer + "/" + JsonSchema.escape(e.getKey()), source, sources));
        } else {
            sources.put(pointer, source);
        }
    }

    private static void removeUnder(Map<String, String> sources, String pointer) {
        sources.keySet().removeIf(k -> k.equals(pointer) || k.startsWith(pointer + "/"));
    }

    static String sourceOf(String pointer, Map<String, String> sources, String fallback) {
        String p = pointer;
        while (!p.isEmpty()) {
            if (sources.containsKey(p)) {
                return sources.get(p);
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
        for (Map.Entry<String, String> e : sources.entrySet()) {
            if (e.getKey().startsWith(pointer + "/")) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private record Override(String pointer, JsonNode value, String source) {
    }

    private List<Override> parseOverrides(List<String> overrides, List<Problem> problems) {
        List<Override> result = new ArrayList<>();
        for (String raw : overrides) {
            String source = "--set " + raw;
            int eq = raw.indexOf('=');
            if (eq <= 0) {
                problems.add(new Problem("--set " + raw, "/", "expected KEY=VALUE, e.g. run.concurrency=16"));
                continue;
            }
            String key = raw.substring(0, eq).trim();
            String text = raw.substring(eq + 1);
            String pointer = key.startsWith("/") ? key : "/" + key.replace(".", "/");
            var sub = schema.schemaAt(pointer);
            if (sub.isEmpty() && !pointer.startsWith("/params/")) {
                String parentPointer = pointer.substring(0, pointer.lastIndexOf('/'));
                String last = pointer.substring(pointer.lastIndexOf('/') + 1);
                String hint = Suggestions.closest(last, schema.propertyNames(parentPointer))
                        .map(s -> " (did you mean '" + s + "'?)").orElse("");
                problems.add(new Problem(source, pointer, "unknown key" + hint));
                continue;
            }
            String type = sub.map(s -> s.path("type").asText("")).orElse("");
            JsonNode value = parseValue(text, type);
            if (value == null) {
                problems.add(new Problem(source, pointer, "expected " + type + " value, got '" + text + "'"));
                continue;
            }
            if (Json.firstNonFiniteNumber(value) != null) {
                problems.add(new Problem(source, pointer, "number out of range (larger than a double can hold, about 1.8e308)"));
                continue;
            }
            result.add(new Override(pointer, value, source));
        }
        return result;
    }

    /** Parses an override value as JSON where it is JSON, typed by the schema; null if it cannot be. */
    static JsonNode parseValue(String text, String type) {
        JsonNode parsed;
        try {
            parsed = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            parsed = null;
        }
        if ("string".equals(type)) {
            return parsed != null && parsed.isTextual() ? parsed : TextNode.valueOf(text);
        }
        if (type.isEmpty()) {
            return parsed != null ? parsed : TextNode.valueOf(text);
        }
        return parsed;
    }

    private static void setAt(ObjectNode root, String pointer, JsonNode value) {
        String[] parts = pointer.substring(1).split("/");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(parts[i]);
            }
            node = (ObjectNode) child;
        }
        node.set(parts[parts.length - 1], value);
    }

    private static void resolveTasksPath(ObjectNode merged, Map<String, String> sources, List<Layer> chain) {
        if (!merged.path("tasks").isTextual()) {
            return;
        }
        String source = sources.getOrDefault("/tasks", "");
        Path base = chain.stream().filter(l -> l.name().equals(source)).findFirst()
                .map(l -> l.path().toAbsolutePath().getParent())
                .orElse(Path.of("").toAbsolutePath());
        Path resolved = base.resolve(merged.get("tasks").asText()).normalize();
        merged.put("tasks", relativeToWorkingDirectory(resolved));
    }

    /**
     * A file as messages name it: the path as the user gave it (normalised), so an error names
     * the file the user typed, not a shortened one.
     */
    public static String display(Path path) {
        String s = path.normalize().toString();
        return s.isEmpty() ? "." : s;
    }

    /** A path relative to the working directory when inside it (how resolved configs store paths). */
    public static String relativeToWorkingDirectory(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    private record Layer(Path path, String name, ObjectNode tree) {
    }

}

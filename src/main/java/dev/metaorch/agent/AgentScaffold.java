package dev.metaorch.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code metaorch init agent DIR}: a working agent skeleton in the chosen language, a control
 * and a test config (the test adds one guideline), a small task suite, the price table and a
 * local fake OpenAI-compatible endpoint to try it all without an API key. Existing files are
 * never overwritten.
 */
public final class AgentScaffold {
    /** The languages a skeleton exists for. */
    public enum Lang {
        PYTHON("agent.py", List.of("python3", "agent.py")),
        NODE("agent.js", List.of("node", "agent.js")),
        JAVA("Agent.java", List.of("java", "Agent.java"));

        final String file;
        final List<String> command;

        Lang(String file, List<String> command) {
            this.file = file;
            this.command = command;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private AgentScaffold() {
    }

    /** Writes the skeleton; returns the files written, in order. */
    public static List<Path> write(Path dir, Lang lang) throws IOException {
        String name = dir.toAbsolutePath().normalize().getFileName() == null ? "agent"
                : dir.toAbsolutePath().normalize().getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "-");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(lang.file, template(lang.file));
        files.put("control.json", Json.pretty(control(name, lang)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.put("test.json", Json.pretty(test(name)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.put("tasks.json", template("tasks.json"));
        files.put("prices.json", template("prices.json"));
        files.put("fake_llm.py", template("fake_llm.py"));
        List<String> existing = new ArrayList<>();
        files.keySet().forEach(f -> {
            if (Files.exists(dir.resolve(f))) {
                existing.add(dir.resolve(f) + ": already exists (init never overwrites a file)");
            }
        });
        if (!existing.isEmpty()) {
            throw MetaorchException.invalidInput(existing);
        }
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (var e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.write(p, e.getValue());
            if (e.getKey().endsWith(".py") || e.getKey().endsWith(".js")) {
                p.toFile().setExecutable(true);
            }
            written.add(p);
        }
        return written;
    }

    static ObjectNode control(String name, Lang lang) {
        ObjectNode c = Json.object();
        c.put("schema_version", 1).put("experiment_id", name + "-control")
                .put("description", "Control: the agent in " + lang.file + " as it is.")
                .put("variant", "process").put("model_id", "gpt-4o-mini");
        c.putArray("guidelines");
        ObjectNode params = c.putObject("params");
        lang.command.forEach(params.putArray("command")::add);
        params.put("working_dir", ".");
        c.put("tasks", "tasks.json");
        c.putObject("run").put("max_sessions", 200).put("max_cost_usd", 1.0).put("max_cost_per_session_usd", 0.05)
                .put("concurrency", 4).put("timeout_s", 60).put("retries", 1).put("seed", 42);
        c.putObject("stopping").put("method", "sprt").put("metric", "success").put("alpha", 0.05).put("beta", 0.1)
                .put("min_effect", 0.3).put("design", "paired");
        return c;
    }

    static ObjectNode test(String name) {
        ObjectNode c = Json.object();
        c.put("schema_version", 1).put("experiment_id", name + "-test").put("parent", "control.json")
                .put("description", "Test: the same agent with one more guideline.");
        c.putArray("guidelines").add("Check the task twice before answering; reject what is impossible.");
        return c;
    }

    static byte[] template(String file) {
        try (InputStream in = AgentScaffold.class.getResourceAsStream("templates/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing template " + file + " in the metaorch jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.metaorch.variant;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds plugin jars at test time, drops them in a plugin folder, and runs sessions through one. */
class PluginJarTest {
    @TempDir
    Path dir;

    static final String SOURCE = """
            package acme;
            import dev.metaorch.variant.*;
            import dev.metaorch.session.Outcome;
            import dev.metaorch.session.SessionRecord.Tokens;
            public final class %1$s implements VariantProvider {
                public String name() { return "%2$s"; }
                public String description() { return "test plugin %2$s"; }
                public int apiVersion() { return %3$d; }
                public Variant create(VariantContext c) {
                    return req -> new SessionResult(req.task().solvable() ? Outcome.SUCCESS : Outcome.REJECTED, true,
                        1.0, Tokens.of(100, 10, 0), 1, 1, 5, null, dev.metaorch.common.Json.object(), null);
                }
            }
            """;

    private Path buildJar(String className, String variantName, int apiVersion) throws IOException {
        Path src = dir.resolve("src-" + className).resolve("acme");
        Files.createDirectories(src);
        Path file = src.resolve(className + ".java");
        Files.writeString(file, SOURCE.formatted(className, variantName, apiVersion));
        Path classes = dir.resolve("classes-" + className);
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-cp", System.getProperty("java.class.path"), "-d", classes.toString(),
                file.toString());
        assertThat(rc).isZero();
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Path jar = plugins.resolve(variantName + "-" + className + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("acme/" + className + ".class"));
            out.write(Files.readAllBytes(classes.resolve("acme").resolve(className + ".class")));
            out.putNextEntry(new JarEntry("META-INF/services/dev.metaorch.variant.VariantProvider"));
            out.write(("acme." + className + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static void writeBrokenJar(Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("META-INF/services/dev.metaorch.variant.VariantProvider"));
            j.write("acme.DoesNotExist\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void pluginIsListedAndRunsSessionsWhileABrokenOneIsReported() throws Exception {
        buildJar("EchoProvider", "echo", 1);
        buildJar("OldProvider", "old", 0);
        writeBrokenJar(dir.resolve("plugins").resolve("broken.jar"));
        CommandResult list = CommandResult.run("variants", "--plugins", dir.resolve("plugins").toString(), "--json");
        assertThat(list).succeeded();
        var json = Json.mapper().readTree(list.out());
        assertThat(json.at("/variants").findValuesAsText("name")).contains("simulated", "caching", "process", "echo")
                .doesNotContain("old");
        assertThat(json.at("/failures").toString()).contains("SPI version 0").contains("DoesNotExist");

        Path config = dir.resolve("echo.json");
        Files.writeString(config, """
                {"schema_version": 1, "experiment_id": "echo", "parent": "%s", "variant": "echo"}
                """.formatted(Path.of("configs/baseline.json").toAbsolutePath()));
        Path results = dir.resolve("results");
        CommandResult run = CommandResult.run("run", "--variants", config.toString(), "--sessions", "12", "--results",
                results.toString(), "--plugins", dir.resolve("plugins").toString(), "--json", "--quiet");
        assertThat(run).succeeded();
        var r = Json.mapper().readTree(run.out());
        assertThat(r.at("/variants/echo/sessions").asLong()).isEqualTo(12);
        assertThat(r.at("/variants/echo/success_rate").asDouble()).isEqualTo(1.0);
    }

    @Test
    void twoPluginsWithTheSameNameAreAnErrorNamingBoth() throws Exception {
        buildJar("A1", "twin", 1);
        buildJar("A2", "twin", 1);
        CommandResult r = CommandResult.run("variants", "--plugins", dir.resolve("plugins").toString());
        assertThat(r).exitedWith(2).errContains("variant 'twin' is provided twice").errContains("twin-A1.jar")
                .errContains("twin-A2.jar");
    }

    @Test
    void unknownVariantNamesWhatIsAvailable() throws IOException {
        Path config = dir.resolve("x.json");
        Files.writeString(config, """
                {"schema_version": 1, "experiment_id": "x", "parent": "%s", "variant": "nope"}
                """.formatted(Path.of("configs/baseline.json").toAbsolutePath()));
        CommandResult r = CommandResult.run("run", "--variants", config.toString(), "--results", dir.toString(), "--quiet");
        assertThat(r).exitedWith(2).errContains("x.json: /variant: unknown variant 'nope'").errContains("simulated");
        assertThat(List.of(dir.toFile().list())).doesNotContain("runs");
    }
}

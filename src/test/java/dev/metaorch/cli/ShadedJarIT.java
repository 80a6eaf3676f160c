package dev.metaorch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box tests of the packaged, shaded jar (failsafe, after {@code package}): the manifest
 * version, the built-in variants surviving the shade (ServicesResourceTransformer), exit codes,
 * and the README's main job through {@code java -jar}.
 */
class ShadedJarIT {
    @TempDir
    Path results;

    record Run(int code, String out, String err) {
    }

    static Run jar(String... args) throws Exception {
        String jar = System.getProperty("metaorch.jar");
        assertThat(jar).as("failsafe passes -Dmetaorch.jar").isNotNull();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void versionComesFromTheManifest() throws Exception {
        Run r = jar("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("metaorch 0.1.0-SNAPSHOT");
    }

    @Test
    void builtInVariantsSurviveShading() throws Exception {
        Run r = jar("variants", "--json", "--plugins", results.resolve("none").toString());
        assertThat(r.code()).isZero();
        JsonNode n = Json.mapper().readTree(r.out());
        assertThat(n.at("/variants").findValuesAsText("name")).containsExactlyInAnyOrder("simulated", "caching", "process");
    }

    @Test
    void mainJobRunsFromTheJar() throws Exception {
        Run r = jar("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json", "--results",
                results.toString(), "--run-id", "it", "--json", "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.mapper().readTree(r.out()).path("decision").asText()).isEqualTo("accept_h1");
        assertThat(Files.exists(results.resolve("runs/it/result.json"))).isTrue();
    }

    @Test
    void badInputIsExitTwoWithoutStackTrace() throws Exception {
        Run r = jar("config", "validate", "src/test/resources/bad/config/31_three_problems.json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().count()).isEqualTo(3);
        assertThat(r.err()).doesNotContain("\tat ");
    }
}

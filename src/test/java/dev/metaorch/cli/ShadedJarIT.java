package dev.metaorch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.testing.ChildProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
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
        ChildProcess.Result r = ChildProcess.run(new ProcessBuilder(cmd), Duration.ofSeconds(120));
        return new Run(r.code(), r.out(), r.err());
    }

    @Test
    void versionComesFromTheManifest() throws Exception {
        Run r = jar("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("metaorch " + System.getProperty("metaorch.expected.version") + "\n");
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
    void jarIsSmallAndCarriesTheLicencesButNoBenchmarks() throws Exception {
        Path jar = Path.of(System.getProperty("metaorch.jar"));
        // ADR-151's 8 MB plus the team store's driver, pool and migrations (about 2.3 MB, amended there)
        assertThat(Files.size(jar)).as("shaded jar size (ADR-151)").isLessThan(10_500_000L);
        try (JarFile j = new JarFile(jar.toFile())) {
            List<String> names = j.stream().map(JarEntry::getName).toList();
            assertThat(names).contains("META-INF/LICENSE", "META-INF/LICENSE.txt", "META-INF/NOTICE",
                    "META-INF/FastDoubleParser-LICENSE");
            assertThat(names).noneMatch(n -> n.startsWith("dev/metaorch/bench/"))
                    .noneMatch(n -> n.startsWith("org/apache/pdfbox/"))
                    .noneMatch(n -> n.startsWith("com/madgag/"));
            String notice = new String(j.getInputStream(j.getEntry("META-INF/NOTICE")).readAllBytes(), StandardCharsets.UTF_8);
            // one merged notice: Apache Commons' and Jackson's (the Apache-2.0 dependencies that ship one)
            assertThat(notice).contains("The Apache Software Foundation").contains("Jackson");
        }
    }

    @Test
    void reportAndPlotsRenderWithoutPdfAndGifLibraries() throws Exception {
        Run run = jar("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json", "--results",
                results.toString(), "--run-id", "rep", "--quiet");
        assertThat(run.code()).as(run.err()).isZero();
        Path html = results.resolve("report.html");
        Run report = jar("report", "--results", results.toString(), "--out", html.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(Files.readString(html)).contains("<svg").contains("metaorch report");
        Path png = results.resolve("regret.png");
        Path svg = results.resolve("regret.svg");
        for (Path plot : List.of(png, svg)) {
            Run bandit = jar("simulate-bandit", "--arms", "0.3,0.7", "--runs", "20", "--horizon", "500", "--save",
                    results.resolve("bandit.json").toString(), "--plot", plot.toString());
            assertThat(bandit.code()).as(bandit.err()).isZero();
        }
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertThat(head).startsWith(0x89, 'P', 'N', 'G');
        assertThat(Files.readString(svg)).contains("<svg");
    }

    @Test
    void badInputIsExitTwoWithoutStackTrace() throws Exception {
        Run r = jar("config", "validate", "src/test/resources/bad/config/31_three_problems.json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().count()).isEqualTo(3);
        assertThat(r.err()).doesNotContain("\tat ");
    }
}

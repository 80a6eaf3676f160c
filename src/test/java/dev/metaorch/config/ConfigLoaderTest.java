package dev.metaorch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, json);
        return p;
    }

    private Path root() throws IOException {
        return write("root.json", """
                {"schema_version": 1, "experiment_id": "root", "variant": "simulated", "model_id": "gpt-4o",
                 "guidelines": ["a", "b"], "params": {"x": 1, "nested": {"p": 1, "q": 2}},
                 "tasks": "tasks.json", "run": {"concurrency": 2, "seed": 5}}""");
    }

    @Test
    void objectsMergeKeyByKeyScalarsAndArraysReplace() throws IOException {
        root();
        Path child = write("child.json", """
                {"schema_version": 1, "experiment_id": "child", "parent": "root",
                 "guidelines": ["c"], "params": {"nested": {"q": 3}, "y": 2}, "run": {"seed": 9}}""");
        ResolvedConfig c = new ConfigLoader().load(child);
        ObjectNode t = c.tree();
        assertThat(t.at("/guidelines").toString()).isEqualTo("[\"c\"]");
        assertThat(t.at("/params/x").asInt()).isEqualTo(1);
        assertThat(t.at("/params/y").asInt()).isEqualTo(2);
        assertThat(t.at("/params/nested/p").asInt()).isEqualTo(1);
        assertThat(t.at("/params/nested/q").asInt()).isEqualTo(3);
        assertThat(t.at("/run/concurrency").asInt()).isEqualTo(2);
        assertThat(t.at("/run/seed").asInt()).isEqualTo(9);
        assertThat(t.at("/parent").asText()).isEqualTo("root");
        assertThat(c.chain()).hasSize(2);
    }

    @Test
    void sourcesNameTheFileThatSuppliedEachValue() throws IOException {
        root();
        Path child = write("child.json", """
                {"schema_version": 1, "experiment_id": "child", "parent": "root", "params": {"nested": {"q": 3}}}""");
        ResolvedConfig c = new ConfigLoader().load(child, List.of("run.concurrency=7"));
        assertThat(c.sourceOf("/params/nested/q")).endsWith("child.json");
        assertThat(c.sourceOf("/params/nested/p")).endsWith("root.json");
        assertThat(c.sourceOf("/model_id")).endsWith("root.json");
        assertThat(c.sourceOf("/run/concurrency")).isEqualTo("--set run.concurrency=7");
        assertThat(c.sourceOf("/run/retries")).isEqualTo("(default)");
    }

    @Test
    void arrayReplacedByChildDropsParentSourcesUnderIt() throws IOException {
        root();
        Path child = write("child.json", """
                {"schema_version": 1, "experiment_id": "child", "parent": "root", "params": "oops"}""");
        assertThatThrownBy(() -> new ConfigLoader().load(child)).isInstanceOf(MetaorchException.class)
                .hasMessageContaining("child.json: /params: expected an object");
    }

    @Test
    void overridesAreTypedBySchemaAndApplyAfterInheritance() throws IOException {
        Path r = root();
        ResolvedConfig c = new ConfigLoader().load(r, List.of("run.concurrency=16", "model_id=42",
                "guidelines=[\"p\",\"q\"]", "params.mode=fast", "params.n=3", "/run/seed=11"));
        assertThat(c.tree().at("/run/concurrency").isInt()).isTrue();
        assertThat(c.run().concurrency()).isEqualTo(16);
        assertThat(c.modelId()).isEqualTo("42");
        assertThat(c.guidelines()).containsExactly("p", "q");
        assertThat(c.params().get("mode").asText()).isEqualTo("fast");
        assertThat(c.params().get("n").asInt()).isEqualTo(3);
        assertThat(c.run().seed()).isEqualTo(11);
    }

    @Test
    void laterOverrideWinsOverEarlierOne() throws IOException {
        ResolvedConfig c = new ConfigLoader().load(root(), List.of("run.concurrency=3", "run.concurrency=5"));
        assertThat(c.run().concurrency()).isEqualTo(5);
    }

    @Test
    void badOverridesAreReportedAllAtOnce() throws IOException {
        Path r = root();
        assertThatThrownBy(() -> new ConfigLoader().load(r, List.of("run.concurency=3", "run.concurrency=abc", "nokey",
                "run.concurrency=0")))
                .isInstanceOfSatisfying(MetaorchException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.problems()).hasSize(4);
                    assertThat(e.problems().get(0)).contains("/run/concurency: unknown key (did you mean 'concurrency'?)");
                    assertThat(e.problems().get(1)).contains("--set run.concurrency=abc: /run/concurrency: expected integer");
                    assertThat(e.problems().get(2)).contains("expected KEY=VALUE");
                    assertThat(e.problems().get(3)).contains("--set run.concurrency=0: /run/concurrency: must be >= 1");
                });
    }

    @Test
    void flatLayoutOfTheSeedStillLoadsWithADeprecationNotice() throws IOException {
        root();
        Path legacy = write("legacy.json", """
                {"experiment_id": "exp_042", "parent": "root", "model_id": "gpt-4o-mini",
                 "guidelines": ["Check limits first"], "alpha": 0.01, "seed": 3, "method": "SPRT"}""");
        ResolvedConfig c = new ConfigLoader().load(legacy);
        assertThat(c.warnings()).singleElement().asString().contains("legacy.json").contains("deprecated flat layout");
        assertThat(c.stopping().alpha()).isEqualTo(0.01);
        assertThat(c.stopping().method()).isEqualTo("sprt");
        assertThat(c.run().seed()).isEqualTo(3);
        assertThat(c.modelId()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void parentCycleNamesTheCycle() throws IOException {
        write("a.json", "{\"schema_version\":1,\"experiment_id\":\"a\",\"parent\":\"b\"}");
        write("b.json", "{\"schema_version\":1,\"experiment_id\":\"b\",\"parent\":\"a\"}");
        assertThatThrownBy(() -> new ConfigLoader().load(dir.resolve("a.json")))
                .hasMessageContaining("parent cycle").hasMessageContaining("a.json -> ").hasMessageContaining("b.json -> ")
                .hasMessageMatching("(?s).*a\\.json -> .*b\\.json -> .*a\\.json.*");
    }

    @Test
    void chainsDeeperThan32AreRejected() throws IOException {
        root();
        String prev = "root";
        for (int i = 0; i < 33; i++) {
            write("c" + i + ".json", "{\"schema_version\":1,\"experiment_id\":\"c" + i + "\",\"parent\":\"" + prev + "\"}");
            prev = "c" + i;
        }
        assertThatThrownBy(() -> new ConfigLoader().load(dir.resolve("c32.json"))).hasMessageContaining("deeper than 32");
        assertThat(new ConfigLoader().load(dir.resolve("c30.json")).chain()).hasSize(32);
    }

    @Test
    void parentByRelativePath() throws IOException {
        root();
        Path child = write("sub/child.json", "{\"schema_version\":1,\"experiment_id\":\"k\",\"parent\":\"../root.json\"}");
        assertThat(new ConfigLoader().load(child).modelId()).isEqualTo("gpt-4o");
    }

    @Test
    void tasksPathIsResolvedRelativeToTheFileThatNamesIt() throws IOException {
        root();
        Path child = write("sub/child.json", "{\"schema_version\":1,\"experiment_id\":\"k\",\"parent\":\"../root.json\"}");
        assertThat(new ConfigLoader().load(child).tasksPath().toAbsolutePath().normalize())
                .isEqualTo(dir.resolve("tasks.json").toAbsolutePath().normalize());
    }

    @Test
    void guidelinesAreHashedWithMd5OfTheirUtf8Text() throws IOException {
        ResolvedConfig c = new ConfigLoader().load(root());
        // md5("a") and md5("b"), from `printf a | md5sum`
        assertThat(c.guidelineHashes()).containsExactly("0cc175b9c0f1b6a831c399e269772661",
                "92eb5ffee6ae2fec3ad71c777531578f");
        assertThat(Hashing.md5("Prüfe Grenzen")).isEqualTo(Hashing.md5(new String("Prüfe Grenzen".getBytes(
                java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void configHashIgnoresIdsAndRunSettingsButNotGuidelines() throws IOException {
        ResolvedConfig a = new ConfigLoader().load(root());
        ResolvedConfig b = new ConfigLoader().load(root(), List.of("experiment_id=other", "run.seed=99"));
        ResolvedConfig c = new ConfigLoader().load(root(), List.of("guidelines=[\"a\"]"));
        assertThat(a.configHash()).isEqualTo(b.configHash()).isNotEqualTo(c.configHash());
    }

    @Test
    void resolvedOutputLoadsAgainAsAConfig() throws IOException {
        ResolvedConfig a = new ConfigLoader().load(root());
        ObjectNode tree = a.tree().deepCopy();
        Path again = write("again.json", Json.pretty(tree));
        ResolvedConfig b = new ConfigLoader().load(again);
        assertThat(b.configHash()).isEqualTo(a.configHash());
    }
}

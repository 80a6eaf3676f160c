package dev.metaorch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.testing.ChildProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys come from the environment only: an agent given the key through
 * {@code params.env_passthrough} receives it, and it appears in no file under the results folder
 * (session logs, configs, results, tracker, agent stderr logs).
 */
class SecretsTest {
    static final String CANARY = "sk-metaorch-canary-7f3a9c";

    @TempDir
    Path results;

    @Test
    void apiKeyReachesTheAgentButNoFile() throws Exception {
        ChildProcess.Result r = ChildProcess.metaorch(Duration.ofSeconds(120), Map.of("OPENAI_API_KEY", CANARY),
                "run-experiment", "--control", "configs/process/example-agent.json",
                "--test", "configs/process/example-agent-better.json", "--set", "params.env_passthrough=[\"OPENAI_API_KEY\"]",
                "--results", results.toString(), "--run-id", "secret", "--quiet", "--max-sessions", "20", "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain(CANARY);
        assertThat(r.err()).doesNotContain(CANARY);
        List<Path> files;
        try (Stream<Path> s = Files.walk(results)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(CANARY);
        }
        String sessions = Files.readString(results.resolve("runs/secret/sessions.jsonl"));
        assertThat(sessions).contains("\"has_api_key\":true");
    }

    @Test
    void withoutPassthroughTheAgentGetsNoKey() throws IOException, InterruptedException {
        ChildProcess.Result r = ChildProcess.metaorch(Duration.ofSeconds(120), Map.of("OPENAI_API_KEY", CANARY),
                "run-experiment", "--control", "configs/process/example-agent.json",
                "--test", "configs/process/example-agent-better.json", "--results", results.toString(), "--run-id", "nokey",
                "--quiet", "--max-sessions", "6", "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(results.resolve("runs/nokey/sessions.jsonl"))).contains("\"has_api_key\":false")
                .doesNotContain("\"has_api_key\":true");
    }
}

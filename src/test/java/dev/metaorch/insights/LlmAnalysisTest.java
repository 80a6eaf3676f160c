package dev.metaorch.insights;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.metaorch.analysis.LlmAnalyst;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.testing.ChildProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LLM path against a local OpenAI-compatible server started by the test (loopback only). */
class LlmAnalysisTest {
    @TempDir
    Path dir;

    HttpServer server;
    final AtomicInteger calls = new AtomicInteger();
    final List<String> bodies = new ArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);

    static final String ANSWER = "{\"hypotheses\":[{\"root_cause\":\"coupon limits are not checked\",\"evidence\":"
            + "\"coupon <id> rejected is the top template\"}],\"suggestions\":[{\"guideline\":\"Read each coupon's "
            + "per-customer limit before applying it\",\"rationale\":\"limit errors dominate\",\"target_tasks\":"
            + "[\"coupon_limit\"],\"expected_improvement\":0.1}]}";

    String start(String mode) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            int n = calls.incrementAndGet();
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String content = mode.equals("malformed") ? "this is not json" : ANSWER;
            if (mode.equals("429") && n == 1) {
                ex.getResponseHeaders().add("Retry-After", "0");
                ex.sendResponseHeaders(429, -1);
                ex.close();
                return;
            }
            if (mode.equals("slow")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = Json.line(Json.object().put("id", "x").set("choices", Json.tree(List.of(java.util.Map.of(
                    "message", java.util.Map.of("role", "assistant", "content", content))))))
                    .replace("\"choices\"", "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":300},\"choices\"")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    private LlmAnalyst.Outcome analyse(String url, Duration timeout) throws IOException {
        ResolvedConfig base = new ConfigLoader().load(Path.of("configs/exp_042.json"));
        return new LlmAnalyst(m -> { }).analyse(new LlmAnalyst.Endpoint(url, "gpt-4o-mini", "sk-test", timeout, 3), base,
                "{\"failure_templates\":[]}", dir, dir.resolve("suggested"), PriceTable.load(Path.of("configs/prices.json")));
    }

    @Test
    void successWritesAValidSuggestedConfigAndRecordsCost() throws Exception {
        var out = analyse(start("ok"), Duration.ofSeconds(10));
        assertThat(out.suggestedConfigs()).hasSize(1);
        Path cfg = out.suggestedConfigs().get(0);
        assertThat(CommandResult.run("config", "validate", cfg.toString())).succeeded();
        ResolvedConfig c = new ConfigLoader().load(cfg);
        assertThat(c.guidelines()).hasSize(5).last().isEqualTo("Read each coupon's per-customer limit before applying it");
        assertThat(c.parent()).isPresent();
        // gpt-4o-mini: 1200 x $0.15/M + 300 x $0.60/M
        assertThat(out.costUsd()).isCloseTo(0.00036, org.assertj.core.data.Offset.offset(1e-12));
        JsonNode stored = Json.mapper().readTree(Files.readString(out.stored()));
        assertThat(stored.path("prompt_tokens").asLong()).isEqualTo(1200);
        assertThat(bodies.get(0)).contains("\"response_format\"").doesNotContain("sk-test");
    }

    @Test
    void malformedAnswerIsAClearErrorAndIsKept() throws Exception {
        String url = start("malformed");
        assertThatThrownBy(() -> analyse(url, Duration.ofSeconds(10))).isInstanceOfSatisfying(MetaorchException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(1);
            assertThat(e.getMessage()).contains("not valid").contains("content is not JSON").contains("raw answer kept");
        });
    }

    @Test
    void rateLimitIsRetriedAfterRetryAfter() throws Exception {
        var out = analyse(start("429"), Duration.ofSeconds(10));
        assertThat(calls.get()).isEqualTo(2);
        assertThat(out.suggestedConfigs()).hasSize(1);
    }

    @Test
    void timeoutIsAClearError() throws Exception {
        String url = start("slow");
        assertThatThrownBy(() -> analyse(url, Duration.ofSeconds(1))).isInstanceOfSatisfying(MetaorchException.class,
                e -> assertThat(e.getMessage()).contains("timed out after 1 s"));
    }

    @Test
    void missingKeyIsExitTwo() {
        assumeTrue(System.getenv("OPENAI_API_KEY") == null);
        assertThat(CommandResult.run("analyze", "--llm", "--base", "configs/exp_042.json", "--results", dir.toString()))
                .exitedWith(2).errContains("OPENAI_API_KEY is not set");
    }

    @Test
    void endToEndFromTheCommandLine() throws Exception {
        String url = start("ok");
        Path results = dir.resolve("results");
        assertThat(CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                "--results", results.toString(), "--run-id", "ab", "--quiet", "--metric", "success")).succeeded();
        ChildProcess.Result r = ChildProcess.metaorch(Duration.ofSeconds(60),
                Map.of("OPENAI_API_KEY", "sk-local-test", "OPENAI_BASE_URL", url), "analyze", "ab", "--results",
                results.toString(), "--llm", "--suggest-dir", dir.resolve("suggested").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("LLM analysis (gpt-4o-mini, 1200 + 300 tokens").contains("suggested config:");
        assertThat(bodies.get(0)).contains("coupon <id> rejected").contains("exp_042");
        Path suggested = dir.resolve("suggested").resolve("exp_042-s1.json");
        assertThat(CommandResult.run("config", "validate", suggested.toString())).succeeded();
        try (var files = Files.list(results.resolve("runs/ab"))) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(f -> f.startsWith("llm_analysis-"));
        }
    }
}

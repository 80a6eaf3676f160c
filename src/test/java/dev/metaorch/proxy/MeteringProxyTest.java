package dev.metaorch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.Outcome;
import dev.metaorch.variant.Cancellation;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import dev.metaorch.variant.Variant;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.builtin.ProcessVariantProvider;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metering proxy between a Python agent (standard library only) and a fake upstream.
 * Expected figures are computed by hand from the fake's usage and configs/prices.json
 * (gpt-4o-mini: $0.15 prompt, $0.075 cached prompt, $0.60 completion per 1M tokens):
 * an "ok" call (1200 prompt of which 200 cached, 50 completion) costs
 * (1000·0.15 + 200·0.075 + 50·0.60)/1e6 = $0.000195; a "stream" call (800, 0, 30) costs
 * (800·0.15 + 30·0.60)/1e6 = $0.000138.
 */
class MeteringProxyTest {
    static final String REAL_KEY = "sk-metaorch-test-real-upstream-key-5e1f";
    static final BigDecimal OK_COST = new BigDecimal("0.000195");
    static final BigDecimal STREAM_COST = new BigDecimal("0.000138");

    @TempDir
    Path dir;
    FakeOpenAi upstream;

    @BeforeEach
    void start() throws IOException {
        upstream = new FakeOpenAi();
        assertThat(System.getenv("METAORCH_TEST_UPSTREAM_KEY")).as("set by surefire in pom.xml").isEqualTo(REAL_KEY);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private Path runDir() {
        return dir.resolve("runs").resolve("r1");
    }

    private ResolvedConfig config(List<String> calls, String report, String extraRun, boolean record) throws IOException {
        ObjectNode c = Json.object();
        c.put("schema_version", 1).put("experiment_id", "proxy-test")
                .put("parent", Path.of("configs/baseline.json").toAbsolutePath().toString()).put("variant", "process");
        ObjectNode p = c.putObject("params");
        p.putArray("command").add("python3").add(Path.of("src/test/resources/agents/proxy_agent.py").toAbsolutePath().toString());
        calls.forEach(p.putArray("calls")::add);
        p.put("report", report).put("llm_upstream_url", upstream.baseUrl()).put("llm_upstream_key_env", "METAORCH_TEST_UPSTREAM_KEY")
                .put("env_dump", dir.resolve("env.json").toString()).put("llm_record", record);
        p.putArray("env_passthrough").add("OPENAI_API_KEY");
        ObjectNode run = c.putObject("run");
        if (extraRun != null) {
            run.setAll((ObjectNode) Json.mapper().readTree(extraRun));
        }
        Path file = dir.resolve("proxy-test.json");
        Files.writeString(file, Json.pretty(c));
        return new ConfigLoader().load(file);
    }

    private SessionResult session(ResolvedConfig config, double timeoutS) throws Exception {
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        try (Variant v = new ProcessVariantProvider().create(new VariantContext("test", config, suite,
                PriceTable.load(Path.of("configs/prices.json")), runDir().resolve("logs")))) {
            return v.run(new SessionRequest("r1/test/0", 0, suite.tasks().get(3), config, 42, 1,
                    Instant.now().plusMillis((long) (timeoutS * 1000)), new Cancellation(),
                    new SessionRequest.Limits(timeoutS, 30, 1.0), runDir().resolve("logs").resolve("a.stderr.log")));
        }
    }

    private List<TranscriptEntry> transcript() {
        return Transcript.read(Transcript.file(runDir(), "r1/test/0", 1));
    }

    private static List<LlmCall> calls(List<TranscriptEntry> t) {
        return t.stream().filter(e -> e.kind() == TranscriptEntry.Kind.LLM).map(TranscriptEntry::call).toList();
    }

    @Test
    void tokensAndCostPerSessionAreTheUpstreamsUsageExactly() throws Exception {
        SessionResult r = session(config(List.of("ok", "stream", "ok"), "none", null, false), 30);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.tokens().prompt()).isEqualTo(1200 + 800 + 1200);
        assertThat(r.tokens().cachedPrompt()).isEqualTo(400);
        assertThat(r.tokens().completion()).isEqualTo(50 + 30 + 50);
        assertThat(r.llmCalls()).isEqualTo(3);
        BigDecimal expected = OK_COST.add(STREAM_COST).add(OK_COST);
        assertThat(r.metrics().path("llm_proxy").path("cost_usd").decimalValue()).isEqualByComparingTo(expected);
        assertThat(BigDecimal.valueOf(r.costUsd())).isEqualByComparingTo(expected);
        // the stream reached the agent whole, without the usage-only chunk the proxy asked for
        assertThat(r.metrics().path("answer").asText()).isEqualTo("{\"answer\":42} | Hello world | {\"answer\":42}");
        assertThat(r.metrics().path("usage_only_chunks").asInt()).isZero();
        // bodies pass through unchanged (tools, response_format); only the stream asked for usage
        JsonNode first = upstream.seen.get(0).body();
        assertThat(first.path("tools").path(0).path("function").path("name").asText()).isEqualTo("buy");
        assertThat(first.path("response_format").path("type").asText()).isEqualTo("json_object");
        assertThat(upstream.seen.get(1).body().path("stream_options").path("include_usage").asBoolean()).isTrue();
        List<TranscriptEntry> t = transcript();
        assertThat(calls(t)).extracting(LlmCall::status).containsExactly(200, 200, 200);
        assertThat(calls(t)).extracting(LlmCall::responseModel).containsOnly("gpt-4o-mini-2024-07-18");
        assertThat(calls(t)).extracting(LlmCall::pricedModel).containsOnly("gpt-4o-mini");
        assertThat(t.get(t.size() - 1).end().costUsd()).isEqualByComparingTo(expected);
    }

    @Test
    void theRealKeyGoesUpstreamOnlyAndAppearsInNoFileAndNoAgentEnvironment() throws Exception {
        SessionResult r = session(config(List.of("ok", "stream"), "none", null, true), 30);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(upstream.seen).hasSize(2).allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer " + REAL_KEY));
        JsonNode env = Json.mapper().readTree(dir.resolve("env.json").toFile());
        assertThat(env.path("OPENAI_API_KEY").asText()).startsWith("mo-").isNotEqualTo(REAL_KEY);
        assertThat(env.path("OPENAI_BASE_URL").asText()).startsWith("http://127.0.0.1:").endsWith("/v1");
        assertThat(env.toString()).doesNotContain(REAL_KEY).doesNotContain(upstream.baseUrl());
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anyMatch(f -> f.toString().contains("recordings")).anyMatch(f -> f.toString().contains("transcripts"));
        for (Path f : files) {
            assertThat(Files.readString(f)).as(f.toString()).doesNotContain(REAL_KEY);
        }
    }

    @Test
    void upstreamErrorsAndRateLimitsPassToTheAgentAndCostNothing() throws Exception {
        SessionResult r = session(config(List.of("error", "429", "ok"), "none", null, false), 30);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.metrics().path("statuses").toString()).isEqualTo("[500,429,200]");
        assertThat(r.llmCalls()).isEqualTo(1);
        assertThat(BigDecimal.valueOf(r.costUsd())).isEqualByComparingTo(OK_COST);
        assertThat(calls(transcript())).extracting(LlmCall::status, LlmCall::error)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(500, "upstream_status"),
                        org.assertj.core.groups.Tuple.tuple(429, "upstream_status"),
                        org.assertj.core.groups.Tuple.tuple(200, null));
    }

    @Test
    void theSessionCapRefusesTheCallThatWouldCrossItAndEndsTheSession() throws Exception {
        // cap $0.0005: two ok calls spend $0.00039; the third, estimated at their mean ($0.000195), would cross it
        SessionResult r = session(config(List.of("ok", "ok", "ok", "ok"), "none", "{\"max_cost_per_session_usd\":0.0005}",
                false), 30);
        assertThat(upstream.seen).hasSize(2);
        assertThat(r.metrics().path("llm_proxy").path("refused").asInt()).isEqualTo(1);
        assertThat(BigDecimal.valueOf(r.costUsd())).isEqualByComparingTo(OK_COST.add(OK_COST));
        List<LlmCall> calls = calls(transcript());
        assertThat(calls).extracting(LlmCall::status).containsExactly(200, 200, 429);
        assertThat(calls.get(2).error()).isEqualTo("session_budget");
        // the session is ended: cancelled, or the agent's own result if it answered first
        assertThat(r.outcome()).isIn(Outcome.CANCELLED, Outcome.SUCCESS);
    }

    @Test
    void aSlowUpstreamEndsInTheSessionsTimeoutAndTheCallIsAbandoned() throws Exception {
        long t0 = System.nanoTime();
        SessionResult r = session(config(List.of("ok", "slow"), "none", null, false), 3);
        assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(15);
        List<TranscriptEntry> t = transcript();
        // the upstream request's timeout is the session's deadline; a call still open when the session is
        // wrapped up is given up as abandoned: either way it is in the transcript and costs nothing
        List<LlmCall> calls = calls(t);
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).error()).isNull();
        assertThat(calls.get(1).error()).isIn("upstream_timeout", "abandoned");
        assertThat(BigDecimal.valueOf(r.costUsd())).isEqualByComparingTo(OK_COST);
    }

    @Test
    void agentReportsThatDisagreeWithTheProxyAreLoggedAndTheProxyCounts() throws Exception {
        SessionResult right = session(config(List.of("ok"), "true", null, false), 30);
        assertThat(right.metrics().path("llm_proxy").has("mismatch")).isFalse();
        SessionResult wrong = session(config(List.of("ok", "ok"), "wrong", null, false), 30);
        assertThat(wrong.metrics().path("llm_proxy").path("mismatch").asText())
                .contains("reported 2 llm_call events (4800 prompt, 200 completion tokens)")
                .contains("the proxy metered 2 calls (2400 prompt, 100 completion tokens)");
        assertThat(wrong.tokens().prompt()).isEqualTo(2400);
        assertThat(transcript()).anyMatch(e -> e.kind() == TranscriptEntry.Kind.WARNING && e.message().contains("reported 2"));
    }

    @Test
    void anUpstreamThatIsDownIsAnOpenAiStyle502ForTheAgent() throws Exception {
        upstream.close();
        SessionResult r = session(config(List.of("ok"), "none", null, false), 30);
        assertThat(r.metrics().path("statuses").toString()).isEqualTo("[502]");
        assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(calls(transcript())).extracting(LlmCall::error).containsExactly("upstream_unreachable");
        assertThat(r.costUsd()).isZero();
    }

    @Test
    void theRunsSpendGuardIsAskedBeforeEachCallAndItsRefusalEndsTheSession() throws Exception {
        ResolvedConfig config = config(List.of("ok", "ok", "ok"), "none", null, false);
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        List<String> settled = new java.util.concurrent.CopyOnWriteArrayList<>();
        SpendGuard oneCall = new SpendGuard() {
            private final java.util.concurrent.atomic.AtomicInteger allowed = new java.util.concurrent.atomic.AtomicInteger();

            @Override
            public boolean allow(String sessionId, BigDecimal estimatedUsd) {
                assertThat(estimatedUsd).isPositive();
                return allowed.incrementAndGet() <= 1;
            }

            @Override
            public void settle(String sessionId, BigDecimal estimatedUsd, BigDecimal actualUsd) {
                settled.add(sessionId + " " + actualUsd.toPlainString());
            }
        };
        SessionResult r;
        try (Variant v = new ProcessVariantProvider().create(new VariantContext("test", config, suite,
                PriceTable.load(Path.of("configs/prices.json")), runDir().resolve("logs")))) {
            assertThat(v).isInstanceOf(SpendGuarded.class);
            ((SpendGuarded) v).spendGuard(oneCall);
            r = v.run(new SessionRequest("r1/test/0", 0, suite.tasks().get(3), config, 42, 1, Instant.now().plusSeconds(30),
                    new Cancellation(), new SessionRequest.Limits(30, 30, 1.0), runDir().resolve("logs").resolve("a.log")));
        }
        assertThat(upstream.seen).hasSize(1);
        assertThat(settled).containsExactly("r1/test/0 0.000195");
        assertThat(calls(transcript())).extracting(LlmCall::status, LlmCall::error).containsExactly(
                org.assertj.core.groups.Tuple.tuple(200, null), org.assertj.core.groups.Tuple.tuple(402, "run_budget"));
        assertThat(r.metrics().path("statuses").toString()).isEqualTo("[200,402]");
        assertThat(BigDecimal.valueOf(r.costUsd())).isEqualByComparingTo(OK_COST);
    }

    @Test
    void aReplayReproducesTheTranscriptByteForByteWithoutCallingTheUpstream() throws Exception {
        ResolvedConfig c = config(List.of("ok", "stream", "error", "429", "ok"), "none", null, true);
        Path results = dir.resolve("results");
        var tried = dev.metaorch.cli.CommandResult.run("try", c.file().toString(), "--results", results.toString(), "--record");
        assertThat(tried.exitCode()).as(tried.out() + tried.err()).isZero();
        assertThat(upstream.seen).hasSize(5);
        String sid = tried.out().lines().filter(l -> l.startsWith("try: session ")).findFirst().orElseThrow().split(" ")[2];
        var replay = dev.metaorch.cli.CommandResult.run("try", "--replay", sid, "--results", results.toString());
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).contains("transcript identical to the original");
        assertThat(upstream.seen).hasSize(5);
        Path original = Transcript.file(results.resolve("runs").resolve(sid.split("/")[0]), sid, 1);
        Path replayed;
        try (Stream<Path> s = Files.walk(results.resolve("replays"))) {
            replayed = s.filter(p -> p.getFileName().equals(original.getFileName())).findFirst().orElseThrow();
        }
        assertThat(Files.readAllBytes(replayed)).isEqualTo(Files.readAllBytes(original));
        assertThat(calls(Transcript.read(replayed))).extracting(LlmCall::status).containsExactly(200, 200, 500, 429, 200);
    }

    @Test
    void anUnknownTokenIsRefused() throws Exception {
        ResolvedConfig c = config(List.of("ok"), "none", null, false);
        try (AgentMetering m = AgentMetering.create(new VariantContext("test", c, TaskSuite.load(c.tasksPath()),
                PriceTable.load(Path.of("configs/prices.json")), null), k -> REAL_KEY)) {
            var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.proxy().orElseThrow().baseUrl() + "/chat/completions"))
                    .header("Authorization", "Bearer mo-not-a-session").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                    .build();
            var resp = java.net.http.HttpClient.newHttpClient().send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(401);
            assertThat(Json.mapper().readTree(resp.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
            assertThat(upstream.seen).isEmpty();
        }
    }
}

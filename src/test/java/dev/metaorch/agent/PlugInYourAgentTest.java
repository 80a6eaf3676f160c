package dev.metaorch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The README's "Plug in your agent" path, in-process: init, try, run-experiment, show, replay,
 * with the skeleton's own fake_llm.py as the upstream (the README exports OPENAI_BASE_URL; a
 * test cannot change its environment, so it sets params.llm_upstream_url instead).
 */
class PlugInYourAgentTest {
    @TempDir
    Path dir;
    Process fakeLlm;

    @AfterEach
    void stop() throws InterruptedException {
        if (fakeLlm != null) {
            fakeLlm.destroy();
            fakeLlm.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts the skeleton's fake_llm.py on a free port; its first stdout line names the URL (read on another thread). */
    private String startFakeLlm(Path agentDir) throws Exception {
        fakeLlm = new ProcessBuilder("python3", agentDir.resolve("fake_llm.py").toString(), "--port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(fakeLlm.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Matcher m = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/v1)").matcher(first.get(30, TimeUnit.SECONDS));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void initTryRunExperimentShowAndReplayWorkOnAFreshFolder() throws Exception {
        Path agent = dir.resolve("my-agent");
        CommandResult init = CommandResult.run("init", "agent", agent.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(init.out()).contains("wrote " + agent.resolve("agent.py"), "metaorch try");
        String url = startFakeLlm(agent);
        String results = dir.resolve("results").toString();
        String set = "params.llm_upstream_url=" + url;

        CommandResult tried = CommandResult.run("try", agent.resolve("control.json").toString(), "--task", "sum_2", "--set", set,
                "--record", "--results", results);
        assertThat(tried.exitCode()).as(tried.out() + tried.err()).isZero();
        assertThat(tried.out()).contains("line 1    step 1  tool llm  ok", "llm  #1 /chat/completions", "problems   none",
                "record (what a run would store in sessions.jsonl):", "\"outcome\" : ");
        String sessionId = tried.out().lines().filter(l -> l.startsWith("try: session ")).findFirst().orElseThrow().split(" ")[2];

        CommandResult replay = CommandResult.run("try", "--replay", sessionId, "--results", results);
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).contains("transcript identical to the original");

        CommandResult run = CommandResult.run("run-experiment", "--control", agent.resolve("control.json").toString(), "--test",
                agent.resolve("test.json").toString(), "--set", set, "--max-sessions", "8", "--results", results, "--run-id",
                "plug", "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("decision");
        List<String> lines = Files.readAllLines(dir.resolve("results/runs/plug/sessions.jsonl"));
        assertThat(lines).isNotEmpty();
        double spend = 0;
        for (String l : lines) {
            JsonNode r = Json.mapper().readTree(l);
            assertThat(r.path("llm_calls").asInt()).isEqualTo(1);
            assertThat(r.path("tokens").path("prompt").asLong()).isPositive();
            assertThat(r.path("metrics").path("llm_proxy").path("ok").asInt()).isEqualTo(1);
            spend += r.path("cost_usd").asDouble();
        }
        assertThat(spend).isPositive();

        CommandResult show = CommandResult.run("show", "plug/control/0", "--results", results);
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).startsWith("session plug/control/0  attempt 1").contains("llm  #1", "end: ");
        CommandResult showJson = CommandResult.run("show", "plug/control/0", "--results", results, "--json");
        assertThat(showJson.out().lines().map(l -> {
            try {
                return Json.mapper().readTree(l).path("kind").asText();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList()).startsWith("start").endsWith("end").contains("agent", "llm");
    }

    @ParameterizedTest
    @CsvSource({"node, agent.js", "java, Agent.java"})
    void theNodeAndJavaSkeletonsRunASessionThroughTheProxy(String lang, String file) throws Exception {
        Path agent = dir.resolve("agent-" + lang);
        assertThat(CommandResult.run("init", "agent", agent.toString(), "--lang", lang).exitCode()).isZero();
        assertThat(agent.resolve(file)).exists();
        String url = startFakeLlm(agent);
        CommandResult tried = CommandResult.run("try", agent.resolve("control.json").toString(), "--task", "impossible_1", "--set",
                "params.llm_upstream_url=" + url, "--results", dir.resolve("results").toString());
        assertThat(tried.exitCode()).as(tried.out() + tried.err()).isZero();
        assertThat(tried.out()).contains("llm  #1 /chat/completions", "HTTP 200", "problems   none", "(metered by the proxy)");
    }

    @Test
    void initNeverOverwrites() {
        Path agent = dir.resolve("a");
        assertThat(CommandResult.run("init", "agent", agent.toString()).exitCode()).isZero();
        CommandResult again = CommandResult.run("init", "agent", agent.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains(agent.resolve("agent.py") + ": already exists");
    }

    @Test
    void theSkeletonsPriceTableIsTheProjects() throws IOException {
        assertThat(AgentScaffold.template("prices.json")).isEqualTo(Files.readAllBytes(Path.of("configs/prices.json")));
    }

    /** The three agents of the issue, written from the old docs: try names each mistake and the line. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "print(json.dumps({'outcome': 'success', 'success': True}))| 30 |line 1: no \"type\" field: this looks like a result, add \"type\":\"result\"",
        "print(json.dumps({'type': 'result', 'success': True, 'tokens': {'prompt': 9}, 'steps': 3}))| 30 |line 1: result: field \"tokens\" is ignored: report tokens as llm_call events",
    })
    void tryShowsEveryProtocolMistakeWithItsLine(String body, String timeout, String expected) throws IOException {
        Files.writeString(dir.resolve("naive.py"), "import json, sys\nstart = json.loads(sys.stdin.readline())\n" + body + "\n");
        Files.writeString(dir.resolve("naive.json"), "{\"schema_version\":1,\"experiment_id\":\"naive\",\"parent\":"
                + Json.line(Path.of("configs/baseline.json").toAbsolutePath().toString()) + ",\"variant\":\"process\","
                + "\"params\":{\"command\":[\"python3\"," + Json.line(dir.resolve("naive.py").toString()) + "]},"
                + "\"run\":{\"timeout_s\":" + timeout + ",\"retries\":0}}");
        CommandResult r = CommandResult.run("try", dir.resolve("naive.json").toString(), "--results", dir.resolve("r").toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains(expected);
    }

    /** An agent that keeps running after its result: its group is killed a second later and the result counts. */
    @Test
    void anAgentThatLingersAfterItsResultIsEndedAndItsResultCounts() throws IOException {
        Files.writeString(dir.resolve("linger.py"), "import json, sys\nstart = json.loads(sys.stdin.readline())\n"
                + "print(json.dumps({'type': 'result', 'success': True}), flush=True); sys.stdin.read()\n");
        Files.writeString(dir.resolve("linger.json"), "{\"schema_version\":1,\"experiment_id\":\"linger\",\"parent\":"
                + Json.line(Path.of("configs/baseline.json").toAbsolutePath().toString()) + ",\"variant\":\"process\","
                + "\"params\":{\"command\":[\"python3\"," + Json.line(dir.resolve("linger.py").toString()) + "]},"
                + "\"run\":{\"timeout_s\":20,\"retries\":0}}");
        CommandResult r = CommandResult.run("try", dir.resolve("linger.json").toString(), "--results", dir.resolve("r").toString());
        assertThat(r.out()).as(r.out() + r.err()).contains("end: success");
    }
}

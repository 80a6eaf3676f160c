package dev.metaorch.variant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.variant.builtin.ProcessVariantProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Process lifetimes and agent output checks of the process variant (issue 12), with the test
 * agent src/test/resources/agents/misbehave.sh: whatever the agent does, no process it started
 * outlives its session, every failure keeps what the agent spent, stderr is capped and absurd
 * numbers are refused. "No process alive" is checked by the session id in the environment,
 * which every descendant inherits, so an escape from the process group would be seen too.
 */
class AgentProcessTest {
    static final Path AGENT = Path.of("src/test/resources/agents/misbehave.sh").toAbsolutePath();
    static final Path PRICES = Path.of("configs/prices.json");
    static final long CAP = 100_000;

    @TempDir
    Path dir;

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")) && Files.isExecutable(Path.of("/usr/bin/setsid")),
                "needs Linux /proc and util-linux setsid");
    }

    /** Records what the variant tracks; cancels the session on the agent's first paid call when asked. */
    static final class Recorder implements AgentProcesses {
        final List<AgentGroup> tracked = new CopyOnWriteArrayList<>();
        final List<Integer> spentCalls = new CopyOnWriteArrayList<>();
        volatile int closed;
        volatile Cancellation cancelOnSpend;

        @Override
        public Tracked track(AgentGroup group, List<String> command) {
            tracked.add(group);
            return new Tracked() {
                @Override
                public void spent(Tokens tokens, int llmCalls, double costUsd) {
                    spentCalls.add(llmCalls);
                    if (cancelOnSpend != null) {
                        cancelOnSpend.cancel("decision reached");
                    }
                }

                @Override
                public void close() {
                    closed++;
                }
            };
        }

        @Override
        public boolean stopping() {
            return false;
        }
    }

    record Run(SessionResult result, double seconds, String sessionId, Path marker) {
        List<Long> survivors() {
            return LiveProcesses.withEnv("METAORCH_SESSION_ID", sessionId);
        }
    }

    private Run run(double timeoutS, Recorder agents, Cancellation cancel, String... args) throws Exception {
        String sessionId = "run-" + UUID.randomUUID() + "/test/0";
        Path marker = dir.resolve("marker-" + args[0]);
        List<String> argv = new ArrayList<>(List.of("sh", AGENT.toString(), args[0], marker.toString()));
        argv.addAll(List.of(args).subList(1, args.length));
        StringBuilder json = new StringBuilder("[");
        for (String a : argv) {
            json.append(json.length() > 1 ? "," : "").append(dev.metaorch.common.Json.mapper().writeValueAsString(a));
        }
        ResolvedConfig config = new ConfigLoader().load(Path.of("configs/process/example-agent.json"),
                List.of("params.command=" + json + "]", "params.output_cap_bytes=" + CAP));
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        Variant v = new ProcessVariantProvider().create(new VariantContext("test", config, suite, PriceTable.load(PRICES), dir));
        long t0 = System.nanoTime();
        SessionResult r = v.run(new SessionRequest(sessionId, 0, suite.tasks().get(0), config, 42, 1,
                Instant.now().plusMillis((long) (timeoutS * 1000)), cancel, new SessionRequest.Limits(timeoutS, 30, 1.0),
                dir.resolve("agent.stderr.log"), agents));
        return new Run(r, (System.nanoTime() - t0) / 1e9, sessionId, marker);
    }

    private static void assertOneCallKept(SessionResult r) {
        // misbehave.sh's llm_call: 1000 prompt (200 cached), 100 completion tokens of gpt-4o-mini
        assertThat(r.llmCalls()).isEqualTo(1);
        assertThat(r.tokens()).isEqualTo(Tokens.of(1000, 100, 200));
        // configs/prices.json gpt-4o-mini: $0.15 prompt, $0.075 cached prompt, $0.60 completion per 1M tokens
        assertThat(r.costUsd()).isCloseTo((800 * 0.15 + 200 * 0.075 + 100 * 0.60) / 1e6,
                org.assertj.core.data.Offset.offset(1e-15));
    }

    @Test
    void cancelKillsTheAgentAndTheGrandchildThatWouldWriteTheMarker() throws Exception {
        Recorder agents = new Recorder();
        Cancellation cancel = new Cancellation();
        agents.cancelOnSpend = cancel; // cancelled as soon as the agent has paid for a call
        Run run = run(20, agents, cancel, "grandchild");
        assertThat(run.result().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(run.result().error().message()).contains("decision reached");
        assertOneCallKept(run.result());
        assertThat(run.survivors()).as("processes of the session still alive").isEmpty();
        assertThat(run.marker()).doesNotExist();
        // 1 s for the agent to answer the cancel, then SIGTERM: well before the grandchild's 3 s
        assertThat(run.seconds()).isLessThan(2.5);
        assertThat(agents.tracked).hasSize(1);
        assertThat(agents.tracked.get(0).isolated()).isTrue();
        assertThat(agents.closed).isEqualTo(1);
    }

    @Test
    void timeoutKillsTheGrandchildToo() throws Exception {
        Run run = run(0.7, new Recorder(), new Cancellation(), "grandchild");
        assertThat(run.result().outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(run.result().error().message()).contains("process group killed");
        assertOneCallKept(run.result());
        assertThat(run.survivors()).isEmpty();
        assertThat(run.marker()).doesNotExist();
        assertThat(run.seconds()).isLessThan(2.0);
    }

    @Test
    void doubleForkingHangingAgentEndsAtItsTimeout() throws Exception {
        // before: a 3 s timeout took 8 s and the reparented grandchild survived to write its marker
        Run run = run(3, new Recorder(), new Cancellation(), "doublefork");
        assertThat(run.result().outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(run.seconds()).isBetween(2.9, 3.8);
        assertThat(run.survivors()).isEmpty();
        assertOneCallKept(run.result());
    }

    @Test
    void agentExitingLeavingAChildThatHoldsStdoutIsDoneAtOnceAndTheChildKilled() throws Exception {
        Recorder agents = new Recorder();
        Run run = run(20, agents, new Cancellation(), "exit0child");
        assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(run.result().success()).isTrue();
        assertThat(run.survivors()).isEmpty();
        assertThat(run.seconds()).isLessThan(1.5);
        assertThat(agents.closed).isEqualTo(1);
    }

    @Test
    void aProcessThatCallsSetsidItselfEscapesButDoesNotHoldTheSessionOpen() throws Exception {
        // the documented limit (docs/agents-processes.md): a daemon that leaves the session survives
        // the group kill; its hold on stdout is abandoned after PIPE_DRAIN_MS instead of waited for
        Run run = run(20, new Recorder(), new Cancellation(), "escape");
        try {
            assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCESS);
            // PIPE_DRAIN_MS (2 s from the group's death) and the session's own second
            assertThat(run.seconds()).isLessThan(3.5);
            assertThat(run.survivors()).hasSize(1);
        } finally {
            run.survivors().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    @Test
    void agentIgnoringSigtermIsKilledAfterTheGrace() throws Exception {
        Recorder agents = new Recorder();
        Cancellation cancel = new Cancellation();
        agents.cancelOnSpend = cancel;
        Run run = run(20, agents, cancel, "ignoreterm");
        assertThat(run.result().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(run.survivors()).isEmpty();
        assertThat(run.marker()).doesNotExist();
        assertThat(run.seconds()).isLessThan(3.0);
    }

    @Test
    void agentThatSpendsThenCrashesKeepsItsTokens() throws Exception {
        Recorder agents = new Recorder();
        Run run = run(20, agents, new Cancellation(), "spendcrash");
        SessionResult r = run.result();
        assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(r.error().message()).contains("exited with code 1");
        assertThat(r.llmCalls()).isEqualTo(2);
        assertThat(r.tokens()).isEqualTo(Tokens.of(2000, 200, 400));
        assertThat(r.costUsd()).isCloseTo(2 * (800 * 0.15 + 200 * 0.075 + 100 * 0.60) / 1e6,
                org.assertj.core.data.Offset.offset(1e-15));
        assertThat(agents.spentCalls).containsExactly(1, 2);
        assertThat(Files.readString(dir.resolve("agent.stderr.log"))).contains("crashing");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "negative tokens | {\"type\":\"llm_call\",\"prompt_tokens\":-5,\"completion_tokens\":1} | line 2: llm_call prompt_tokens must not be negative, got -5",
        "1e309 tokens | {\"type\":\"llm_call\",\"prompt_tokens\":1e309} | line 2: llm_call prompt_tokens must be a finite number",
        "NaN duration | {\"type\":\"llm_call\",\"prompt_tokens\":5,\"duration_ms\":NaN} | line 2: llm_call duration_ms must be a finite number, got NaN",
        "Infinity tokens | {\"type\":\"llm_call\",\"completion_tokens\":Infinity} | line 2: llm_call completion_tokens must be a finite number",
        "beyond long | {\"type\":\"llm_call\",\"prompt_tokens\":99999999999999999999} | line 2: llm_call prompt_tokens is out of range",
        "huge call | {\"type\":\"llm_call\",\"prompt_tokens\":4611686018427387904,\"completion_tokens\":4611686018427387903} | line 2: llm_call prompt_tokens is out of range",
        "fractional tokens | {\"type\":\"llm_call\",\"prompt_tokens\":12.5} | line 2: llm_call prompt_tokens must be a whole number",
        "string tokens | {\"type\":\"llm_call\",\"prompt_tokens\":\"100\"} | line 2: llm_call prompt_tokens must be a number",
        "cached above prompt | {\"type\":\"llm_call\",\"prompt_tokens\":10,\"cached_prompt_tokens\":11} | line 2: llm_call cached_prompt_tokens (11) exceeds prompt_tokens (10)",
        "negative duration | {\"type\":\"llm_call\",\"prompt_tokens\":10,\"duration_ms\":-1} | line 2: llm_call duration_ms must be from 0",
        "success yes | {\"type\":\"result\",\"success\":\"yes\",\"outcome\":\"success\"} | line 2: result success must be true or false, got \"yes\"",
        "no success | {\"type\":\"result\",\"outcome\":\"success\"} | line 2: result success must be true or false, got nothing",
        "contradiction | {\"type\":\"result\",\"success\":false,\"outcome\":\"success\"} | line 2: result outcome success contradicts success false",
        "unknown outcome | {\"type\":\"result\",\"success\":true,\"outcome\":\"great\"} | line 2: result outcome must be one of",
        "external NaN | {\"type\":\"result\",\"success\":true,\"external_score\":NaN} | line 2: result external_score must be a finite number",
        "metrics not object | {\"type\":\"result\",\"success\":true,\"metrics\":[1]} | line 2: result metrics must be an object",
        "not an object | [1,2,3] | line 2: not a JSON object",
        "unknown type | {\"type\":\"llm_cal\"} | line 2: unknown event type \"llm_cal\"",
        "step ok not boolean | {\"type\":\"step\",\"n\":1,\"ok\":\"yes\"} | line 2: step ok must be true or false",
    })
    void invalidEventsMakeTheSessionAnErrorAndKeepTheSpendBeforeThem(String name, String event, String reason)
            throws Exception {
        String call = "{\"type\":\"llm_call\",\"model\":\"gpt-4o-mini\",\"prompt_tokens\":1000,\"completion_tokens\":100,"
                + "\"cached_prompt_tokens\":200}";
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, call + "\n" + event + "\n{\"type\":\"result\",\"success\":true,\"outcome\":\"success\"}\n");
        Run run = run(20, new Recorder(), new Cancellation(), "events", events.toString());
        assertThat(run.result().outcome()).isEqualTo(Outcome.ERROR);
        assertThat(run.result().error().type()).isEqualTo("invalid_event");
        assertThat(run.result().error().message()).startsWith("invalid event on stdout line 2: ").contains(reason.substring(8));
        assertOneCallKept(run.result());
    }

    @Test
    void sumsThatWouldOverflowAreRefusedNotWrapped() throws Exception {
        // before: two calls of 2^62 tokens gave total tokens -2 at $2.77e12; each is now over the per-call limit,
        // and 3 calls of the limit (1e9) sum without overflow
        String big = "{\"type\":\"llm_call\",\"prompt_tokens\":1000000000,\"completion_tokens\":1000000000}";
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, big + "\n" + big + "\n" + big + "\n{\"type\":\"result\",\"success\":true}\n");
        Run run = run(20, new Recorder(), new Cancellation(), "events", events.toString());
        assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(run.result().tokens()).isEqualTo(Tokens.of(3_000_000_000L, 3_000_000_000L, 0));
        assertThat(run.result().tokens().total()).isEqualTo(6_000_000_000L);
    }

    @Test
    void secondResultEventIsInvalid() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, "{\"type\":\"result\",\"success\":true}\n{\"type\":\"result\",\"success\":false}\n");
        Run run = run(20, new Recorder(), new Cancellation(), "events", events.toString());
        assertThat(run.result().outcome()).isEqualTo(Outcome.ERROR);
        assertThat(run.result().error().message()).isEqualTo("invalid event on stdout line 2: a second result event");
    }

    @Test
    void stderrFloodIsCutAtTheCapWithANoteLine() throws Exception {
        // before: 200 MB of stderr per session with output_cap_bytes at 1 MB
        Run run = run(20, new Recorder(), new Cancellation(), "stderrflood", "5000000");
        assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCESS);
        Path log = dir.resolve("agent.stderr.log");
        assertThat(Files.size(log)).isBetween(CAP, CAP + 200);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.get(lines.size() - 1)).isEqualTo("[metaorch: stderr truncated at " + CAP
                + " bytes (params.output_cap_bytes); the rest was discarded]");
        assertThat(run.survivors()).isEmpty();
    }
}

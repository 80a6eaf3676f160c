package dev.metaorch.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.metaorch.common.Json;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.Records;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.variant.AgentGroup;
import dev.metaorch.variant.LiveProcesses;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.builtin.ProcessVariantProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry of agent groups in flight ({@code agents.inflight}), its reaper and the runner's
 * shutdown path. A "previous run" is simulated by a registry file that lists a live process
 * group started here through setsid, owned by a metaorch pid that is dead.
 */
class AgentReaperTest {
    @TempDir
    Path runDir;
    private final List<Process> started = new ArrayList<>();
    private final String token = UUID.randomUUID().toString();

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")) && Files.isExecutable(Path.of("/usr/bin/setsid")),
                "needs Linux /proc and util-linux setsid");
    }

    @AfterEach
    void cleanUp() {
        started.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
        LiveProcesses.withEnv("REAPER_TEST", token).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private Process start(String... argv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("REAPER_TEST", token);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** A group like an agent's: a session leader and a child, both sleeping. */
    private AgentGroup liveGroup() throws Exception {
        Process p = start("/usr/bin/setsid", "-w", "sh", "-c", "sleep 60 & exec sleep 60");
        AgentGroup g = AgentGroup.of(p, true, 2000);
        assertThat(g.isolated()).isTrue();
        await(() -> LiveProcesses.withEnv("REAPER_TEST", token).size() == 2, "the group's two processes");
        return g;
    }

    /** Polls a condition (never a fixed sleep): fails after 10 s. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(end);
            Thread.sleep(10);
        }
    }

    private long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static SessionRecord provisional(String sessionId, int attempt) {
        SessionRecord r = Records.record("prev", "test", 3, false);
        return InflightAgents.withSpend(new SessionRecord(r.schema(), sessionId, r.runId(), r.experimentId(), r.arm(),
                r.configHash(), "process", r.modelId(), r.task(), r.pair(), r.repeat(), r.seed(), attempt,
                Instant.now().toString(), null, 0, Outcome.CANCELLED, false, null, Tokens.ZERO, 0, 0, "v1", 0,
                r.guidelineHashes(), new SessionRecord.ErrorInfo("orphaned", "reaped"), Json.object()),
                Tokens.of(1000, 100, 200), 1, 0.000195, Instant.now());
    }

    private void writeRegistry(InflightAgents.Entry... entries) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (InflightAgents.Entry e : entries) {
            sb.append(Json.line(e)).append('\n');
        }
        Files.writeString(runDir.resolve(InflightAgents.FILE), sb.toString());
    }

    private InflightAgents.Entry entry(AgentGroup g, long ownerPid, long ownerStart, String sessionId) {
        return new InflightAgents.Entry(g.pgid(), g.startTicks(), g.isolated(), AgentGroup.bootId(), ownerPid, ownerStart,
                List.of("sh", "agent"), Instant.now().toString(), provisional(sessionId, 2));
    }

    private List<SessionRecord> log() throws IOException {
        List<SessionRecord> out = new ArrayList<>();
        try (JsonlSessionStore s = JsonlSessionStore.open(runDir.resolve("sessions.jsonl"))) {
            s.forEach(out::add, p -> { });
        }
        return out;
    }

    @Test
    void reaperKillsTheWholeGroupOfADeadMetaorchAndLogsWhatItSpent() throws Exception {
        AgentGroup g = liveGroup();
        writeRegistry(entry(g, deadPid(), 1, "prev/test/3"));
        InflightAgents.Reaped reaped;
        try (JsonlSessionStore store = JsonlSessionStore.open(runDir.resolve("sessions.jsonl"))) {
            reaped = InflightAgents.reap(runDir, store);
            assertThat(InflightAgents.reap(runDir, store).isEmpty()).as("a second reap finds nothing").isTrue();
        }
        assertThat(reaped.groups()).isEqualTo(1);
        assertThat(reaped.processes()).isEqualTo(2);
        assertThat(LiveProcesses.withEnv("REAPER_TEST", token)).isEmpty();
        assertThat(runDir.resolve(InflightAgents.FILE)).doesNotExist();
        List<SessionRecord> log = log();
        assertThat(log).hasSize(1);
        SessionRecord r = log.get(0);
        assertThat(r.sessionId()).isEqualTo("prev/test/3");
        assertThat(r.attempt()).isEqualTo(2);
        assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(r.error().type()).isEqualTo("orphaned");
        assertThat(r.tokens()).isEqualTo(Tokens.of(1000, 100, 200));
        assertThat(r.llmCalls()).isEqualTo(1);
        assertThat(r.costUsd()).isEqualTo(0.000195);
    }

    @Test
    void anAttemptAlreadyLoggedIsNotLoggedTwice() throws Exception {
        AgentGroup g = liveGroup();
        SessionRecord logged = provisional("prev/test/3", 2);
        try (JsonlSessionStore store = JsonlSessionStore.open(runDir.resolve("sessions.jsonl"))) {
            store.append(logged); // killed after the record was durable, before the entry left the registry
            writeRegistry(entry(g, deadPid(), 1, "prev/test/3"));
            InflightAgents.Reaped reaped = InflightAgents.reap(runDir, store);
            assertThat(reaped.groups()).isEqualTo(1);
            assertThat(reaped.recorded()).isEmpty();
        }
        assertThat(log()).hasSize(1);
        assertThat(LiveProcesses.withEnv("REAPER_TEST", token)).isEmpty();
    }

    @Test
    void aPidNowUsedByAnotherProcessIsLeftAlone() throws Exception {
        Process other = start("sleep", "60");
        long ticks = AgentGroup.stat(other.pid()).orElseThrow().startTicks();
        AgentGroup recorded = new AgentGroup(other.pid(), ticks - 1, true); // same pid, another start time
        writeRegistry(entry(recorded, deadPid(), 1, "prev/test/3"));
        try (JsonlSessionStore store = JsonlSessionStore.open(runDir.resolve("sessions.jsonl"))) {
            assertThat(InflightAgents.reap(runDir, store).processes()).isZero();
        }
        assertThat(other.isAlive()).isTrue();
        assertThat(log()).hasSize(1); // what the agent had spent is real all the same
    }

    @Test
    void aGroupWhoseMetaorchIsStillRunningIsLeftAlone() throws Exception {
        AgentGroup g = liveGroup();
        Process owner = start("sleep", "60");
        long ownerTicks = AgentGroup.stat(owner.pid()).orElseThrow().startTicks();
        writeRegistry(entry(g, owner.pid(), ownerTicks, "prev/test/3"));
        InflightAgents.Reaped reaped;
        try (JsonlSessionStore store = JsonlSessionStore.open(runDir.resolve("sessions.jsonl"))) {
            reaped = InflightAgents.reap(runDir, store);
        }
        assertThat(reaped.groups()).isZero();
        assertThat(reaped.skipped()).singleElement().asString().contains("still running");
        assertThat(LiveProcesses.withEnv("REAPER_TEST", token)).hasSize(3);
        assertThat(runDir.resolve(InflightAgents.FILE)).exists();
        assertThat(log()).isEmpty();
    }

    private ArmSetup processArm(String mode, Path marker) {
        ResolvedConfig config = new ConfigLoader().load(Path.of("configs/process/example-agent.json"),
                List.of("params.command=[\"sh\",\"" + Path.of("src/test/resources/agents/misbehave.sh").toAbsolutePath()
                        + "\",\"" + mode + "\",\"" + marker + "\"]"));
        PriceTable prices = PriceTable.load(Path.of("configs/prices.json"));
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        var variant = new ProcessVariantProvider().create(new VariantContext("test", config, suite, prices, runDir));
        return new ArmSetup("test", config, variant, prices.require(config.modelId(), "test"), prices.version());
    }

    @Test
    void runnerReapsOnStartAndItsShutdownHookKillsAgentsInFlightAndLogsTheirSpend() throws Exception {
        AgentGroup survivor = liveGroup();
        writeRegistry(entry(survivor, deadPid(), 1, "prev/test/3"));
        Path marker = runDir.resolve("marker");
        ArmSetup arm = processArm("grandchild", marker);
        TaskSuite suite = TaskSuite.load(arm.config().tasksPath());
        String runId = "r" + token.substring(0, 8);
        try (JsonlSessionStore store = JsonlSessionStore.open(runDir.resolve("sessions.jsonl"));
                SessionRunner runner = new SessionRunner(store, runId, 7, new RunnerOptions(2, 30, 2, 0, 30, 1.0,
                        runDir.resolve("logs")), rec -> { })) {
            assertThat(runner.reaped().groups()).isEqualTo(1);
            assertThat(LiveProcesses.withEnv("REAPER_TEST", token)).as("the previous run's survivors").isEmpty();
            CompletableFuture<SessionRecord> f = runner.submit(new SessionJob(arm, 0, 0, suite.tasks().get(0)));
            Path registry = runDir.resolve(InflightAgents.FILE);
            await(() -> {
                try {
                    return Files.exists(registry) && Files.readString(registry).contains("\"llm_calls\":1");
                } catch (IOException e) {
                    return false; // replaced while read
                }
            }, "the agent's paid call in agents.inflight");
            assertThat(LiveProcesses.withEnv("METAORCH_SESSION_ID", runId + "/test/0")).isNotEmpty();

            runner.stopAgents(); // what SIGTERM runs

            SessionRecord r = f.get(10, TimeUnit.SECONDS);
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.attempt()).as("a cancelled attempt is not retried").isEqualTo(1);
            assertThat(r.error().message()).isEqualTo("metaorch is shutting down");
            assertThat(r.tokens()).isEqualTo(Tokens.of(1000, 100, 200));
            assertThat(LiveProcesses.withEnv("METAORCH_SESSION_ID", runId + "/test/0")).isEmpty();
            assertThat(registry).doesNotExist();
            assertThat(runner.shuttingDown()).isTrue();
            assertThat(runner.submit(new SessionJob(arm, 1, 0, suite.tasks().get(1))).get(10, TimeUnit.SECONDS))
                    .as("no attempt starts while shutting down").isNull();
        }
        assertThat(log()).extracting(SessionRecord::sessionId).containsExactly("prev/test/3", runId + "/test/0");
        assertThat(marker).doesNotExist();
    }
}

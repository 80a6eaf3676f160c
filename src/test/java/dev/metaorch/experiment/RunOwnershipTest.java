package dev.metaorch.experiment;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.cli.MetaorchApplication;
import dev.metaorch.common.Json;
import dev.metaorch.runner.OpenRun;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.runner.RunLock;
import dev.metaorch.runner.RunOpener;
import dev.metaorch.testing.ChildJvm;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run, one owner; recovery is redo; self-contained runs (issue 12). Crashes are reproduced
 * by constructing the folder a {@code kill -9} at that point leaves behind, then resuming.
 */
class RunOwnershipTest {
    @TempDir
    Path tmp;

    private Path results() {
        return tmp.resolve("results");
    }

    private CommandResult fresh(String runId, String... extra) {
        List<String> args = new ArrayList<>(List.of("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/exp_042.json", "--results", results().toString(), "--json", "--quiet", "--run-id", runId));
        args.addAll(List.of(extra));
        return CommandResult.run(args.toArray(String[]::new));
    }

    private CommandResult resume(String runId, String... extra) {
        List<String> args = new ArrayList<>(List.of("run-experiment", "--resume", runId, "--results", results().toString(),
                "--json", "--quiet"));
        args.addAll(List.of(extra));
        return CommandResult.run(args.toArray(String[]::new));
    }

    private RunFolder folder(String runId) {
        return new RunFolder(results(), runId);
    }

    /** A kill -9 in the middle of the run: the first {@code keep} log lines, no result.json. */
    private List<String> crash(String runId, int keep) throws IOException {
        RunFolder f = folder(runId);
        List<String> lines = Files.readAllLines(f.sessions());
        Files.writeString(f.sessions(), String.join("\n", lines.subList(0, keep)) + "\n");
        Files.delete(f.result());
        return lines.subList(0, keep);
    }

    /** Session id and attempt of every record: a duplicate means an attempt was bought twice. */
    private static List<String> attempts(Path log) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode r = Json.mapper().readTree(line);
            out.add(r.path("session_id").asText() + "#" + r.path("attempt").asInt());
        }
        return out;
    }

    private List<ObjectNode> trackerLines() throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(results().resolve("experiments.jsonl"))) {
            out.add((ObjectNode) Json.mapper().readTree(line));
        }
        return out;
    }

    @Test
    void aSecondResumeIsRefusedNamingTheHolderAndBuysNothing() throws IOException {
        assertThat(fresh("victim", "--seed", "5")).succeeded();
        List<String> kept = crash("victim", 20);
        VariantRegistry registry = VariantRegistry.load(null);
        try (OpenRun first = new RunOpener(results()).resume("victim", "run-experiment", false, registry, m -> { })) {
            CommandResult second = resume("victim");
            assertThat(second).exitedWith(2).noStackTrace()
                    .errContains("run victim is in use by pid " + ProcessHandle.current().pid() + " on host ")
                    .errContains(" since " + first.holder().startedAt())
                    .errContains("(run-experiment --resume)")
                    .errContains(RunLock.file(folder("victim")).toString());
            assertThat(Files.readAllLines(folder("victim").sessions())).isEqualTo(kept);
        }
        assertThat(resume("victim")).succeeded();
        List<String> all = attempts(folder("victim").sessions());
        assertThat(new HashSet<>(all)).hasSameSizeAs(all);
    }

    @Test
    void twoResumesAtOnceExactlyOneProceedsAndNoAttemptIsBoughtTwice() throws Exception {
        // slow sessions (real latency), so the first resume still holds the run when the second starts
        assertThat(fresh("race", "--seed", "9", "--set", "params.real_latency=true", "--set", "params.latency_scale=0.02"))
                .succeeded();
        crash("race", 10);
        List<CommandResult> both = concurrently(2, () -> resume("race"));
        List<Integer> codes = both.stream().map(CommandResult::exitCode).sorted().toList();
        assertThat(codes).as(both.toString()).containsExactly(0, 2);
        CommandResult refused = both.stream().filter(r -> r.exitCode() == 2).findFirst().orElseThrow();
        assertThat(refused).errContains("run race is in use by pid ").errContains(" since ");
        List<String> all = attempts(folder("race").sessions());
        assertThat(new HashSet<>(all)).as("duplicate attempt records").hasSameSizeAs(all);
    }

    @Test
    void theSameFreshRunIdTwiceAtOnceRunsOnce() throws Exception {
        List<CommandResult> both = concurrently(2, () -> fresh("twin", "--seed", "4"));
        assertThat(both.stream().map(CommandResult::exitCode).sorted().toList()).as(both.toString()).containsExactly(0, 2);
        CommandResult loser = both.stream().filter(r -> r.exitCode() == 2).findFirst().orElseThrow();
        assertThat(loser.err()).containsAnyOf("run twin is in use by pid ", "--run-id twin: a run with that id exists");
        List<String> all = attempts(folder("twin").sessions());
        assertThat(new HashSet<>(all)).hasSameSizeAs(all);
        // the holder of a new run is named too: a lock held on a folder being created
        Files.createDirectories(folder("held").dir());
        try (RunLock lock = RunLock.tryAcquire(folder("held"), "run-experiment")) {
            assertThat(fresh("held")).exitedWith(2).errContains("run held is in use by pid " + lock.holder().pid());
            assertThat(folder("held").manifest()).doesNotExist();
        }
        // released without run.json (as by a kill -9 before it): the id is reusable
        assertThat(fresh("held")).succeeded();
    }

    private static <T> List<T> concurrently(int n, java.util.concurrent.Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(5, TimeUnit.MINUTES));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void killedAfterResultBeforeTheTrackerLine() throws IOException {
        JsonNode first = Json.mapper().readTree(fresh("k1", "--seed", "6").out());
        List<String> tracker = Files.readAllLines(results().resolve("experiments.jsonl"));
        Files.writeString(results().resolve("experiments.jsonl"), tracker.get(0) + "\n"); // only "running"
        long lines = Files.readAllLines(folder("k1").sessions()).size();
        CommandResult again = resume("k1");
        assertThat(again).succeeded().errContains("appended the tracker's final line (accepted)");
        assertThat(Json.mapper().readTree(again.out())).isEqualTo(first);
        List<ObjectNode> t = trackerLines();
        assertThat(t).hasSize(2);
        assertThat(t.get(1).path("status").asText()).isEqualTo("accepted");
        assertThat(t.get(1).path("pairs").asLong()).isEqualTo(first.path("pairs").asLong());
        assertThat(t.get(1).path("started_at").asText()).isEqualTo(t.get(0).path("started_at").asText());
        assertThat(Files.readAllLines(folder("k1").sessions())).hasSize((int) lines);
        // redo is idempotent: a second resume appends nothing
        assertThat(resume("k1")).succeeded();
        assertThat(trackerLines()).hasSize(2);
    }

    @Test
    void aTornTrackerLineFromAFullDiskIsSetAsideAndTheFinalLineAppended() throws IOException {
        fresh("k2", "--seed", "6");
        List<String> tracker = Files.readAllLines(results().resolve("experiments.jsonl"));
        Files.writeString(results().resolve("experiments.jsonl"), tracker.get(0) + "\n" + tracker.get(1).substring(0, 50));
        CommandResult again = resume("k2");
        assertThat(again).succeeded().errContains("torn last line").errContains("appended the tracker's final line");
        assertThat(Files.readString(results().resolve("experiments.jsonl"))).endsWith("\n");
        List<ObjectNode> t = trackerLines();
        assertThat(t).extracting(o -> o.path("status").asText()).containsExactly("running", "accepted");
        assertThat(new ExperimentTracker(results()).latest("k2")).get()
                .satisfies(o -> assertThat(o.path("status").asText()).isEqualTo("accepted"));
    }

    @Test
    void killedWhileWritingResultLeavesATempFileAndTheResumeFinishes() throws IOException {
        JsonNode first = Json.mapper().readTree(fresh("k3", "--seed", "6").out());
        RunFolder f = folder("k3");
        Files.move(f.result(), f.dir().resolve(".result.json.4k2j9.tmp"));
        Files.writeString(results().resolve("experiments.jsonl"),
                Files.readAllLines(results().resolve("experiments.jsonl")).get(0) + "\n");
        CommandResult again = resume("k3");
        assertThat(again).succeeded();
        assertThat(RunExperimentTest.stable(Json.mapper().readTree(again.out()))).isEqualTo(RunExperimentTest.stable(first));
        assertThat(f.dir().resolve(".result.json.4k2j9.tmp")).doesNotExist();
        assertThat(trackerLines()).extracting(o -> o.path("status").asText()).containsExactly("running", "running",
                "accepted");
    }

    @Test
    void lostHashesAreRecordedAgainOnResume() throws IOException {
        fresh("k4", "--seed", "6");
        Files.delete(results().resolve("hashes.dict"));
        assertThat(resume("k4")).succeeded();
        assertThat(Files.readString(results().resolve("hashes.dict"))).contains("Check coupon limits first")
                .contains("Always double-check the basket before checkout");
    }

    @Test
    void badInputWritesNoRunFolder() throws IOException {
        Files.createDirectories(results());
        Files.writeString(results().resolve("hashes.dict"), "[1, 2");
        assertThat(fresh("bad")).exitedWith(2).errContains("hashes.dict").noStackTrace();
        assertThat(results().resolve("runs")).doesNotExist();
    }

    @Test
    void aHalfCreatedRunIsNamedOnResumeAndReusedByAFreshRun() throws IOException {
        Files.createDirectories(folder("half").logs()); // killed right after runs/half/logs was made
        assertThat(resume("half")).exitedWith(2).errContains("--resume half: the run was never started")
                .errContains("start it afresh with --run-id half");
        assertThat(fresh("half")).succeeded().errContains("reusing its folder");
    }

    /** Writes configs whose task suite is a copy in the temp folder, so the test can change it. */
    private List<String> ownSuiteArgs() throws IOException {
        Path suite = tmp.resolve("suite.json");
        if (!Files.exists(suite)) {
            Files.copy(Path.of("configs/tasks/store-demo.json"), suite);
        }
        Path control = Files.writeString(tmp.resolve("ctl.json"), "{\"schema_version\": 1, \"experiment_id\": \"ctl\", "
                + "\"parent\": \"" + Path.of("configs/baseline.json").toAbsolutePath() + "\", \"tasks\": \"" + suite + "\"}");
        Path test = Files.writeString(tmp.resolve("tst.json"), "{\"schema_version\": 1, \"experiment_id\": \"tst\", "
                + "\"parent\": \"" + Path.of("configs/exp_042.json").toAbsolutePath() + "\", \"tasks\": \"" + suite + "\"}");
        return List.of("run-experiment", "--control", control.toString(), "--test", test.toString(), "--results",
                results().toString(), "--json", "--quiet", "--seed", "3");
    }

    @Test
    void aSuiteReversedBetweenKillAndResumeIsRefusedAndForcedRunsOnTheSnapshot() throws IOException {
        List<String> base = ownSuiteArgs();
        List<String> golden = new ArrayList<>(base);
        golden.addAll(List.of("--run-id", "golden"));
        JsonNode want = Json.mapper().readTree(CommandResult.run(golden.toArray(String[]::new)).out());
        List<String> victim = new ArrayList<>(base);
        victim.addAll(List.of("--run-id", "victim"));
        assertThat(CommandResult.run(victim.toArray(String[]::new))).succeeded();
        List<String> kept = crash("victim", 30);
        Path suite = tmp.resolve("suite.json");
        ObjectNode root = (ObjectNode) Json.mapper().readTree(Files.readString(suite));
        List<JsonNode> tasks = new ArrayList<>();
        root.get("tasks").forEach(tasks::add);
        java.util.Collections.reverse(tasks);
        root.putArray("tasks").addAll(tasks);
        Files.writeString(suite, Json.pretty(root));

        assertThat(resume("victim")).exitedWith(2).noStackTrace()
                .errContains("/snapshot/suites/control: the task suite " + suite + " changed since the run started")
                .errContains("pass --force");
        assertThat(Files.readAllLines(folder("victim").sessions())).isEqualTo(kept);

        CommandResult forced = resume("victim", "--force");
        assertThat(forced).succeeded().errContains("resuming on the snapshot copy (--force)");
        assertThat(RunExperimentTest.stable(Json.mapper().readTree(forced.out()))).isEqualTo(RunExperimentTest.stable(want));
        // every pair ran control and test on the same task (before: 3 of 71 pairs did not)
        Map<Long, Set<String>> taskOfPair = new HashMap<>();
        for (String line : Files.readAllLines(folder("victim").sessions())) {
            JsonNode r = Json.mapper().readTree(line);
            taskOfPair.computeIfAbsent(r.path("pair").asLong(), k -> new HashSet<>()).add(r.path("task").path("id").asText());
        }
        assertThat(taskOfPair).isNotEmpty().allSatisfy((pair, ids) -> assertThat(ids).as("pair " + pair).hasSize(1));
    }

    @Test
    void aResumeWorksFromAnotherWorkingDirectory() throws Exception {
        JsonNode want = Json.mapper().readTree(fresh("golden", "--seed", "12").out());
        fresh("away", "--seed", "12");
        crash("away", 25);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        try (ChildJvm child = ChildJvm.start(elsewhere, MetaorchApplication.class.getName(), "run-experiment", "--resume",
                "away", "--results", results().toAbsolutePath().toString(), "--quiet", "--json")) {
            assertThat(child.waitFor(Duration.ofMinutes(3))).as(child.output()).isZero();
        }
        JsonNode got = Json.mapper().readTree(Files.readString(folder("away").result()));
        assertThat(RunExperimentTest.stable(got)).isEqualTo(RunExperimentTest.stable(want));
    }

    @Test
    void outputFilesFollowTheUmask() throws Exception {
        Path r = results().toAbsolutePath();
        List<String> experiment = ChildJvm.command(MetaorchApplication.class.getName(), "run-experiment", "--control",
                "configs/baseline.json", "--test", "configs/exp_042.json", "--results", r.toString(), "--run-id", "shared",
                "--quiet");
        List<String> hub = ChildJvm.command(MetaorchApplication.class.getName(), "run", "--sessions", "6", "--results",
                r.toString(), "--run-id", "hub", "--quiet");
        List<String> report = ChildJvm.command(MetaorchApplication.class.getName(), "report", "--results", r.toString(),
                "--out", r.resolve("report.html").toString());
        String script = "umask 022 && " + ChildJvm.shellWords(experiment) + " && " + ChildJvm.shellWords(hub) + " && "
                + ChildJvm.shellWords(report);
        try (ChildJvm child = ChildJvm.start(null, List.of("/bin/sh", "-c", script))) {
            assertThat(child.waitFor(Duration.ofMinutes(3))).as(child.output()).isZero();
        }
        for (Path p : List.of(r.resolve("runs/shared/result.json"), r.resolve("runs/shared/run.json"),
                r.resolve("runs/shared/config.test.json"), r.resolve("hashes.dict"), r.resolve("report.html"),
                r.resolve("latest_run.json"), r.resolve("runs/hub/result.json"), r.resolve("experiments.jsonl"),
                r.resolve("runs/shared/sessions.jsonl"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rw-r--r--");
        }
        try (var copies = Files.newDirectoryStream(r.resolve("runs/shared"), "{suite,prices}.*.json")) {
            int n = 0;
            for (Path p : copies) {
                n++;
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rw-r--r--");
            }
            assertThat(n).isEqualTo(2);
        }
    }

    @Test
    void aHubRunIsOpenedTheSameWay() throws IOException {
        Files.createDirectories(folder("hub1").dir());
        try (RunLock lock = RunLock.tryAcquire(folder("hub1"), "hub")) {
            assertThat(CommandResult.run("run", "--sessions", "6", "--results", results().toString(), "--run-id", "hub1",
                    "--quiet")).exitedWith(2).errContains("run hub1 is in use by pid " + lock.holder().pid())
                    .errContains("(hub)");
        }
        assertThat(CommandResult.run("run", "--sessions", "6", "--results", results().toString(), "--run-id", "hub1",
                "--quiet", "--json")).succeeded();
        JsonNode manifest = Json.mapper().readTree(Files.readString(folder("hub1").manifest()));
        assertThat(manifest.path("kind").asText()).isEqualTo("hub");
        assertThat(manifest.at("/snapshot/suites").size()).isEqualTo(manifest.at("/snapshot/configs").size()).isPositive();
        assertThat(Files.readString(results().resolve("hashes.dict"))).contains("Always double-check the basket");
        assertThat(CommandResult.run("run", "--sessions", "6", "--results", results().toString(), "--run-id", "hub1"))
                .exitedWith(2).errContains("--run-id hub1: a run with that id exists");
        assertThat(CommandResult.run("watch", "hub1", "--results", results().toString())).exitedWith(2)
                .errContains("it is a hub run");
    }
}

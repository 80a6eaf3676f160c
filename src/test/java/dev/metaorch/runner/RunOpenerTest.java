package dev.metaorch.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunOpenerTest {
    @TempDir
    Path tmp;

    private Path results;
    private Path suite;
    private RunOpener opener;
    private VariantRegistry registry;
    private Map<String, ResolvedConfig> configs;
    private final List<String> messages = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        results = tmp.resolve("results");
        suite = Files.copy(Path.of("configs/tasks/store-demo.json"), tmp.resolve("suite.json"));
        Path control = Files.writeString(tmp.resolve("ctl.json"), "{\"schema_version\": 1, \"experiment_id\": \"ctl\", "
                + "\"parent\": \"" + Path.of("configs/baseline.json").toAbsolutePath() + "\", \"tasks\": \"" + suite + "\"}");
        Path test = Files.writeString(tmp.resolve("tst.json"), "{\"schema_version\": 1, \"experiment_id\": \"tst\", "
                + "\"parent\": \"" + Path.of("configs/exp_042.json").toAbsolutePath() + "\", \"tasks\": \"" + suite + "\"}");
        ConfigLoader loader = new ConfigLoader();
        configs = new LinkedHashMap<>();
        configs.put("control", loader.load(control));
        configs.put("test", loader.load(test));
        registry = VariantRegistry.load(null);
        opener = new RunOpener(results);
    }

    private RunOpener.NewRun spec(String id) {
        ObjectNode fields = Json.object().put("created_at", "2026-12-03T07:00:00Z");
        return new RunOpener.NewRun(id, "run-experiment", configs, null, registry, fields);
    }

    private OpenRun resume(String id, boolean force) throws IOException {
        return opener.resume(id, "run-experiment", force, registry, messages::add);
    }

    private static void refused(ThrowableAssert.ThrowingCallable call, String... parts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MetaorchException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(2);
            for (String p : parts) {
                assertThat(e.getMessage()).contains(p);
            }
        });
    }

    @Test
    void aNewRunIsSnapshottedItsHashesRecordedAndItsFolderHeld() throws IOException {
        RunFolder folder = new RunFolder(results, "r1");
        String me = "pid " + ProcessHandle.current().pid() + " on host ";
        try (OpenRun run = opener.create(spec("r1"), messages::add)) {
            JsonNode manifest = Json.mapper().readTree(Files.readString(folder.manifest()));
            assertThat(manifest.path("run_id").asText()).isEqualTo("r1");
            assertThat(manifest.path("created_at").asText()).isEqualTo("2026-12-03T07:00:00Z");
            RunSnapshot snap = Json.mapper().treeToValue(manifest.get("snapshot"), RunSnapshot.class);
            assertThat(snap.configs()).containsOnlyKeys("control", "test");
            RunSnapshot.Input s = snap.suites().get("control");
            assertThat(s.source()).isEqualTo(suite.toString());
            assertThat(s.sha256()).isEqualTo(Hashing.sha256(Files.readAllBytes(suite)));
            assertThat(Files.readAllBytes(folder.dir().resolve(s.copy()))).isEqualTo(Files.readAllBytes(suite));
            RunSnapshot.Input p = snap.prices().get("test");
            assertThat(p.version()).isEqualTo("2026-11-01");
            assertThat(Files.readString(folder.dir().resolve(p.copy()))).isEqualTo(Files.readString(Path.of("configs/prices.json")));
            assertThat(snap.plugins().get("test").name()).isEqualTo("simulated");
            assertThat(snap.plugins().get("test").source()).isEqualTo("built-in");
            // the hashes are in hashes.dict before any session can start
            String dict = Files.readString(results.resolve("hashes.dict"));
            for (ResolvedConfig c : configs.values()) {
                for (String g : c.guidelines()) {
                    assertThat(dict).contains(Hashing.md5(g)).contains(g);
                }
            }
            assertThat(Files.readString(RunLock.file(folder))).contains("\"pid\":" + ProcessHandle.current().pid());
            // while it is held, a second owner is refused, told who holds it
            refused(() -> opener.create(spec("r1"), messages::add), "run r1 is in use by " + me, " since ",
                    "(run-experiment)");
            refused(() -> resume("r1", false), "run r1 is in use by " + me);
            assertThat(run.resumed()).isFalse();
        }
        refused(() -> opener.create(spec("r1"), messages::add), "--run-id r1: a run with that id exists; use --resume r1");
        try (OpenRun again = resume("r1", false)) {
            assertThat(again.resumed()).isTrue();
            assertThat(again.config("test").experimentId()).isEqualTo("tst");
            assertThat(again.suite("test").tasks()).hasSize(48);
            assertThat(again.prices("control", null).version()).isEqualTo("2026-11-01");
        }
    }

    @Test
    void aCorruptHashDictionaryIsRefusedBeforeTheRunFolderExists() throws IOException {
        Files.createDirectories(results);
        Files.writeString(results.resolve("hashes.dict"), "{ not json");
        refused(() -> opener.create(spec("bad"), messages::add), "hashes.dict");
        assertThat(results.resolve("runs")).doesNotExist();
    }

    @Test
    void aMissingSuiteIsRefusedBeforeTheRunFolderExists() throws IOException {
        Files.delete(suite);
        refused(() -> opener.create(spec("nosuite"), messages::add), "task suite", suite.toString(), "not found");
        assertThat(results.resolve("runs")).doesNotExist();
    }

    @Test
    void aHalfCreatedFolderIsReusedAndItsResumeSaysSo() throws IOException {
        RunFolder folder = new RunFolder(results, "half");
        Files.createDirectories(folder.logs()); // killed right after runs/half/logs was made
        Files.writeString(folder.dir().resolve(".config.control.json.123.tmp"), "{\"torn");
        refused(() -> resume("half", false), "--resume half: the run was never started", "--run-id half");
        try (OpenRun run = opener.create(spec("half"), messages::add)) {
            assertThat(run.folder().manifest()).exists();
        }
        assertThat(messages).anyMatch(m -> m.contains("reusing its folder"));
        assertThat(folder.dir().resolve(".config.control.json.123.tmp")).doesNotExist();
    }

    @Test
    void aFolderHoldingSessionsButNoRunJsonIsNotTakenOver() throws IOException {
        RunFolder folder = new RunFolder(results, "imported");
        Files.createDirectories(folder.dir());
        Files.writeString(folder.sessions(), "{}\n");
        refused(() -> opener.create(spec("imported"), messages::add), "holds sessions");
        assertThat(folder.manifest()).doesNotExist();
    }

    @Test
    void aChangedSuiteIsRefusedUnlessForcedAndTheRunKeepsItsCopy() throws IOException {
        opener.create(spec("s"), messages::add).close();
        List<String> before = new ArrayList<>();
        try (OpenRun run = resume("s", false)) {
            run.suite("control").tasks().forEach(t -> before.add(t.id()));
        }
        ObjectNode root = (ObjectNode) Json.mapper().readTree(Files.readString(suite));
        List<JsonNode> tasks = new ArrayList<>();
        root.get("tasks").forEach(tasks::add);
        java.util.Collections.reverse(tasks);
        ArrayNode reversed = root.putArray("tasks");
        tasks.forEach(reversed::add);
        Files.writeString(suite, Json.pretty(root));
        refused(() -> resume("s", false), "/snapshot/suites/control: the task suite " + suite
                + " changed since the run started", "pass --force");
        messages.clear();
        try (OpenRun run = resume("s", true)) {
            assertThat(run.suite("control").tasks().stream().map(Task::id).toList()).isEqualTo(before);
            assertThat(run.suite("test").tasks().stream().map(Task::id).toList()).isEqualTo(before);
        }
        // two arms share the suite: reported once
        assertThat(messages).filteredOn(m -> m.contains("changed since the run started")).hasSize(1)
                .allMatch(m -> m.startsWith("warning: ") && m.endsWith("resuming on the snapshot copy (--force)"));
        // a finished run runs nothing again: the change is only reported
        Files.writeString(new RunFolder(results, "s").result(), "{}");
        messages.clear();
        resume("s", false).close();
        assertThat(messages).anyMatch(m -> m.contains("changed since the run started"));
    }

    @Test
    void aDamagedSnapshotCopyOrAnotherKindIsRefused() throws IOException {
        opener.create(spec("d"), messages::add).close();
        refused(() -> opener.resume("d", "hub", false, registry, messages::add), "this is a run-experiment run, not a hub run");
        RunFolder folder = new RunFolder(results, "d");
        RunSnapshot snap = Json.mapper().treeToValue(Json.mapper().readTree(Files.readString(folder.manifest())).get("snapshot"),
                RunSnapshot.class);
        Files.writeString(folder.dir().resolve(snap.prices().get("control").copy()), "{}");
        refused(() -> resume("d", true), "/snapshot/prices/control: the snapshot copy", "is missing or was modified");
        refused(() -> resume("nope", false), "--resume nope: no run with that id");
    }

    @Test
    void folderAndLockFileErrorsSayWhatIsWrongAndWhere() throws IOException {
        Files.writeString(tmp.resolve("file"), "not a folder");
        RunOpener onAFile = new RunOpener(tmp.resolve("file"));
        refused(() -> onAFile.create(spec("x"), messages::add), tmp.resolve("file").resolve("runs").toString(),
                "not a directory (cannot create the run folder " + tmp.resolve("file/runs/x") + "); check --results");
        opener.create(spec("l"), messages::add).close();
        RunFolder folder = new RunFolder(results, "l");
        Files.delete(RunLock.file(folder));
        Files.createDirectories(RunLock.file(folder)); // a lock file that cannot be opened
        assertThatThrownBy(() -> resume("l", false)).isInstanceOfSatisfying(MetaorchException.class,
                e -> assertThat(e.getMessage()).contains(RunLock.file(folder).toString()).contains("cannot open the lock file"));
    }
}

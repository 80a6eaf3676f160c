package dev.metaorch.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Opens a run folder for its one owner: creates it atomically or resumes it, holds its
 * {@link RunLock}, writes or verifies its snapshot, and records its prompt hashes. Shared by
 * {@code run-experiment} and the hub. Order of a new run (each step after the folder exists is
 * redone or overwritten by a later open, so a kill at any point leaves a usable folder):
 * <ol>
 * <li>every input is read and checked (configs, suites, price tables, plugins, and
 * {@code hashes.dict}): bad input is refused before anything is written;</li>
 * <li>{@code runs/<id>} is created with {@code Files.createDirectory} (create-if-absent, atomic),
 * then locked; an existing folder is reused only when it was never started (no {@code run.json},
 * no session);</li>
 * <li>the snapshot copies and the resolved configs are written, then the prompt hashes are
 * added to {@code hashes.dict};</li>
 * <li>{@code run.json} is written last: it is the commit point. Without it the folder is a
 * half-created run that a fresh run with the same id reuses.</li>
 * </ol>
 * A resume locks the folder, checks the snapshot against the originals, adds the hashes again
 * (idempotent: recovery is redo) and removes temp files left by a killed atomic write.
 */
public final class RunOpener {
    private final Path resultsDir;

    public RunOpener(Path resultsDir) {
        this.resultsDir = resultsDir;
    }

    /**
     * A new run. {@code configs} maps each arm to its resolved config (in arm order);
     * {@code explicitPrices} is {@code --prices} (null: beside the config, as {@link ArmFactory}
     * finds it); {@code fields} are the caller's own {@code run.json} entries (settings...).
     */
    public record NewRun(String runId, String kind, Map<String, ResolvedConfig> configs, Path explicitPrices,
            VariantRegistry registry, ObjectNode fields) {
    }

    /** Refuses early (before any work) when a run with this id was already started. */
    public void requireFresh(String runId) {
        RunFolder folder = new RunFolder(resultsDir, runId);
        if (Files.isRegularFile(folder.manifest())) {
            throw MetaorchException.invalidInput("--run-id " + runId + ": a run with that id exists; use --resume " + runId);
        }
    }

    public OpenRun create(NewRun spec, Consumer<String> messages) throws IOException {
        RunFolder folder = new RunFolder(resultsDir, spec.runId());
        HashDictionary dict = new HashDictionary(resultsDir);
        dict.read(); // a corrupt dictionary is bad input: refused before the run folder exists
        Map<String, Staged> staged = new LinkedHashMap<>();
        for (var e : spec.configs().entrySet()) {
            staged.put(e.getKey(), stage(e.getKey(), e.getValue(), spec.explicitPrices(), spec.registry()));
        }
        boolean existed = createFolder(folder);
        RunLock lock = RunLock.tryAcquire(folder, spec.kind());
        try {
            if (existed) {
                requireNeverStarted(folder);
                messages.accept("run " + spec.runId() + ": reusing its folder, which holds no run.json and no session "
                        + "(an earlier start was stopped before the run began)");
            }
            Files.createDirectories(folder.logs());
            removeTempFiles(folder);
            Map<String, RunSnapshot.Input> configs = new LinkedHashMap<>();
            Map<String, RunSnapshot.Input> suites = new LinkedHashMap<>();
            Map<String, RunSnapshot.Input> prices = new LinkedHashMap<>();
            Map<String, RunSnapshot.Plugin> plugins = new LinkedHashMap<>();
            for (var e : staged.entrySet()) {
                String arm = e.getKey();
                Staged s = e.getValue();
                folder.writeConfig(arm, s.config());
                configs.put(arm, new RunSnapshot.Input(null, folder.config(arm).getFileName().toString(),
                        sha256(Files.readAllBytes(folder.config(arm))), null));
                suites.put(arm, writeCopy(folder, "suite", s.suiteSource(), s.suiteBytes(), null));
                prices.put(arm, writeCopy(folder, "prices", s.pricesSource(), s.pricesBytes(), s.pricesVersion()));
                plugins.put(arm, s.plugin());
            }
            dict.addAll(hashes(spec.configs().values()));
            RunSnapshot snapshot = new RunSnapshot(RunSnapshot.FORMAT, toolVersion(), configs, suites, prices, plugins);
            ObjectNode manifest = Json.object();
            manifest.put("run_id", spec.runId()).put("kind", spec.kind());
            manifest.setAll(spec.fields());
            manifest.set("snapshot", Json.tree(snapshot));
            AtomicFiles.writeJson(folder.manifest(), manifest);
            return new OpenRun(lock, folder, manifest, snapshot, spec.configs(), false);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw failure(folder, e);
        }
    }

    /**
     * Resumes run {@code runId} of kind {@code kind}; {@code force} lets it go on although a
     * snapshotted original changed (the run always uses its snapshot copies).
     */
    public OpenRun resume(String runId, String kind, boolean force, VariantRegistry registry, Consumer<String> messages)
            throws IOException {
        RunFolder folder = new RunFolder(resultsDir, SafeIds.require("--resume", runId));
        if (!Files.isDirectory(folder.dir())) {
            throw MetaorchException.invalidInput("--resume " + runId + ": no run with that id in " + resultsDir.resolve("runs"));
        }
        RunLock lock = RunLock.tryAcquire(folder, kind + " --resume");
        try {
            if (!Files.isRegularFile(folder.manifest())) {
                throw MetaorchException.invalidInput("--resume " + runId + ": the run was never started (" + folder.manifest()
                        + " is missing: it was stopped while its folder was being created, before any session); "
                        + "start it afresh with --run-id " + runId);
            }
            JsonNode read = readManifest(folder.manifest());
            if (!(read instanceof ObjectNode manifest)) {
                throw MetaorchException.invalidInput(folder.manifest() + ": /: expected a JSON object");
            }
            String was = manifest.path("kind").asText(kind);
            if (!was.equals(kind)) {
                throw MetaorchException.invalidInput("--resume " + runId + ": this is a " + was + " run, not a " + kind
                        + " run (" + folder.manifest() + ": /kind)");
            }
            removeTempFiles(folder);
            RunSnapshot snapshot = null;
            if (manifest.has("snapshot")) {
                try {
                    snapshot = Json.mapper().treeToValue(manifest.get("snapshot"), RunSnapshot.class);
                } catch (IOException e) {
                    throw MetaorchException.invalidInput(folder.manifest() + ": /snapshot: not a run snapshot: "
                            + e.getMessage());
                }
            } else {
                messages.accept("warning: " + folder.manifest() + " has no snapshot (the run was started by an older "
                        + "metaorch): resuming on the current task suite and price table");
            }
            List<String> changes = snapshot == null ? List.of() : verify(folder, snapshot, registry);
            if (!changes.isEmpty() && Files.isRegularFile(folder.result())) {
                // a finished run runs no session again: the changes cannot affect it
                changes.forEach(c -> messages.accept("warning: " + c));
            } else if (!changes.isEmpty()) {
                if (!force) {
                    List<String> lines = new ArrayList<>(changes);
                    lines.add("--resume " + runId + ": refused because the inputs above changed since the run started; "
                            + "pass --force to resume on the run's snapshot copies (in " + folder.dir() + ")");
                    throw MetaorchException.invalidInput(lines);
                }
                changes.forEach(c -> messages.accept("warning: " + c + "; resuming on the snapshot copy (--force)"));
            }
            Map<String, ResolvedConfig> configs = loadConfigs(folder, snapshot);
            new HashDictionary(resultsDir).addAll(hashes(configs.values()));
            return new OpenRun(lock, folder, manifest, snapshot, configs, true);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw failure(folder, e);
        }
    }

    /** An arm's inputs read before anything is written. */
    private record Staged(ResolvedConfig config, Path suiteSource, byte[] suiteBytes, Path pricesSource,
            byte[] pricesBytes, String pricesVersion, RunSnapshot.Plugin plugin) {
    }

    private static Staged stage(String arm, ResolvedConfig c, Path explicitPrices, VariantRegistry registry) {
        Path suite = c.tasksPath().toAbsolutePath().normalize();
        PriceTable table = PriceTable.locate(explicitPrices, c.chain());
        Path pricesFile = table.file().toAbsolutePath().normalize();
        VariantRegistry.Found found = registry.all().stream().filter(f -> f.provider().name().equals(c.variant()))
                .findFirst().orElse(null);
        RunSnapshot.Plugin plugin = found == null ? new RunSnapshot.Plugin(c.variant(), "unknown", "not found")
                : new RunSnapshot.Plugin(c.variant(), found.provider().version(), found.source());
        return new Staged(c, suite, readInput(suite, c.sourceOf("/tasks") + ": /tasks", "task suite"), pricesFile,
                readInput(pricesFile, ConfigLoader.display(pricesFile), "price table"), table.version(), plugin);
    }

    private static byte[] readInput(Path file, String where, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw MetaorchException.invalidInput(where + ": " + what + " " + file + " not found");
        } catch (IOException e) {
            throw MetaorchException.invalidInput(where + ": cannot read the " + what + " " + file + ": " + e.getMessage());
        }
    }

    /** Creates the run folder if absent, atomically; true when it existed already. */
    private boolean createFolder(RunFolder folder) throws IOException {
        Path runs = folder.dir().getParent();
        try {
            Files.createDirectories(runs);
        } catch (FileAlreadyExistsException e) {
            throw MetaorchException.invalidInput(e.getFile() + ": is not a folder (cannot create the run folder "
                    + folder.dir() + "); check --results");
        } catch (AccessDeniedException e) {
            throw MetaorchException.invalidInput(e.getFile() + ": permission denied (cannot create the run folder "
                    + folder.dir() + ")");
        } catch (FileSystemException e) {
            throw MetaorchException.invalidInput(e.getFile() + ": " + (e.getReason() == null ? "cannot create it"
                    : e.getReason().toLowerCase(java.util.Locale.ROOT)) + " (cannot create the run folder " + folder.dir()
                    + "); check --results");
        }
        try {
            Files.createDirectory(folder.dir());
            return false;
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(folder.dir())) {
                throw MetaorchException.invalidInput(folder.dir() + ": exists and is not a folder");
            }
            return true;
        } catch (AccessDeniedException e) {
            throw MetaorchException.invalidInput(e.getFile() + ": cannot create the run folder " + folder.dir()
                    + ": permission denied");
        }
    }

    /** A folder may be reused only when no run ever began in it: no run.json, no session. */
    private static void requireNeverStarted(RunFolder folder) throws IOException {
        if (Files.isRegularFile(folder.manifest())) {
            throw MetaorchException.invalidInput("--run-id " + folder.runId() + ": a run with that id exists; use --resume "
                    + folder.runId());
        }
        if (Files.isRegularFile(folder.sessions()) && Files.size(folder.sessions()) > 0) {
            throw MetaorchException.invalidInput("--run-id " + folder.runId() + ": " + folder.sessions()
                    + " holds sessions but the folder has no run.json (imported sessions?); choose another --run-id");
        }
    }

    private static RunSnapshot.Input writeCopy(RunFolder folder, String kind, Path source, byte[] bytes, String version)
            throws IOException {
        String sha = sha256(bytes);
        String name = kind + "." + sha.substring(0, 16) + ".json";
        Path copy = folder.dir().resolve(name);
        if (!Files.isRegularFile(copy) || !sha.equals(sha256(Files.readAllBytes(copy)))) {
            AtomicFiles.write(copy, bytes);
        }
        return new RunSnapshot.Input(source.toString(), name, sha, version);
    }

    /** What changed since the run started; a damaged snapshot copy is refused outright. */
    private static List<String> verify(RunFolder folder, RunSnapshot snapshot, VariantRegistry registry) throws IOException {
        List<String> changes = new ArrayList<>();
        String where = folder.manifest() + ": /snapshot";
        for (var e : snapshot.configs().entrySet()) {
            Path copy = folder.dir().resolve(e.getValue().copy());
            if (!Files.isRegularFile(copy)) {
                throw MetaorchException.invalidInput(where + "/configs/" + e.getKey() + ": " + copy + " is missing");
            }
            if (!e.getValue().sha256().equals(sha256(Files.readAllBytes(copy)))) {
                changes.add(where + "/configs/" + e.getKey() + ": the resolved config " + copy
                        + " was edited since the run started");
            }
        }
        Map<String, Boolean> seen = new TreeMap<>();
        checkInputs(folder, where + "/suites", "task suite", snapshot.suites(), changes, seen);
        checkInputs(folder, where + "/prices", "price table", snapshot.prices(), changes, seen);
        for (var e : snapshot.plugins().entrySet()) {
            RunSnapshot.Plugin was = e.getValue();
            VariantRegistry.Found now = registry.all().stream().filter(f -> f.provider().name().equals(was.name()))
                    .findFirst().orElse(null);
            if (now == null) {
                changes.add(where + "/plugins/" + e.getKey() + ": variant '" + was.name() + "' (version " + was.version()
                        + ", " + was.source() + ") is no longer available");
            } else if (!now.provider().version().equals(was.version()) || !now.source().equals(was.source())) {
                changes.add(where + "/plugins/" + e.getKey() + ": variant '" + was.name() + "' was version "
                        + was.version() + " (" + was.source() + "), is now version " + now.provider().version() + " ("
                        + now.source() + ")");
            }
        }
        return changes;
    }

    private static void checkInputs(RunFolder folder, String where, String what, Map<String, RunSnapshot.Input> inputs,
            List<String> changes, Map<String, Boolean> seen) throws IOException {
        for (var e : inputs.entrySet()) {
            RunSnapshot.Input in = e.getValue();
            Path copy = folder.dir().resolve(in.copy());
            if (!Files.isRegularFile(copy) || !in.sha256().equals(sha256(Files.readAllBytes(copy)))) {
                throw MetaorchException.invalidInput(where + "/" + e.getKey() + ": the snapshot copy " + copy
                        + " of the " + what + " is missing or was modified; restore it (its SHA-256 is " + in.sha256() + ")");
            }
            if (seen.putIfAbsent(in.source() + "\u0000" + in.sha256(), true) != null) {
                continue; // another arm's same input: reported once
            }
            Path source = Path.of(in.source());
            if (Files.isRegularFile(source)) {
                String now = sha256(Files.readAllBytes(source));
                if (!now.equals(in.sha256())) {
                    changes.add(where + "/" + e.getKey() + ": the " + what + " " + source
                            + " changed since the run started (SHA-256 " + in.sha256().substring(0, 12) + " then, "
                            + now.substring(0, 12) + " now)");
                }
            }
        }
    }

    private static Map<String, ResolvedConfig> loadConfigs(RunFolder folder, RunSnapshot snapshot) throws IOException {
        ConfigLoader loader = new ConfigLoader();
        Map<String, ResolvedConfig> configs = new LinkedHashMap<>();
        if (snapshot != null) {
            for (String arm : snapshot.configs().keySet()) {
                configs.put(arm, loader.loadSnapshot(folder.config(arm)));
            }
            return configs;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder.dir(), "config.*.json")) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(null);
            for (Path p : sorted) {
                String name = p.getFileName().toString();
                configs.put(name.substring("config.".length(), name.length() - ".json".length()), loader.loadSnapshot(p));
            }
        }
        return configs;
    }

    private static JsonNode readManifest(Path file) {
        try {
            return Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw MetaorchException.invalidInput(file + ": not valid JSON: " + e.getMessage());
        }
    }

    /** Temp files of atomic writes that a kill interrupted: never part of the run. */
    private static void removeTempFiles(RunFolder folder) throws IOException {
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(folder.dir(), ".*.tmp")) {
            for (Path p : tmp) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Hash to text of every prompt component (guideline) of the configs. */
    static Map<String, String> hashes(Iterable<ResolvedConfig> configs) {
        Map<String, String> hashes = new TreeMap<>();
        for (ResolvedConfig c : configs) {
            List<String> g = c.guidelines();
            for (int i = 0; i < g.size(); i++) {
                hashes.put(c.guidelineHashes().get(i), g.get(i));
            }
        }
        return hashes;
    }

    private static RuntimeException failure(RunFolder folder, Exception e) {
        if (e instanceof MetaorchException me) {
            return me;
        }
        if (e instanceof AccessDeniedException ad) {
            return MetaorchException.invalidInput(ad.getFile() + ": permission denied while opening run "
                    + folder.runId() + " (the results folder must be writable)");
        }
        if (e instanceof RuntimeException re) {
            return re;
        }
        return MetaorchException.runtime(folder.dir() + ": cannot open the run: " + e.getMessage(), e);
    }

    private static String sha256(byte[] bytes) {
        return Hashing.sha256(bytes);
    }

    static String toolVersion() {
        String v = RunOpener.class.getPackage().getImplementationVersion();
        return "metaorch " + (v == null ? "dev" : v);
    }
}

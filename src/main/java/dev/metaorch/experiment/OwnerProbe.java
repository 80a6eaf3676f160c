package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.FileLocks;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * Is the process that owns a run still there? The one place that decides it (dead-run
 * detection), in this order:
 * <ol>
 * <li>A lock file {@code runs/<id>/run.lock} (the run's owner holds an exclusive OS lock on it
 * for its whole life, like PostgreSQL's postmaster.pid): if a shared lock can be taken, nobody
 * holds it and the owner is gone. Its content, when JSON, names the owner (pid, host, start).</li>
 * <li>No lock file (runs made before run locks): a {@code pid} and {@code host} in run.json's
 * {@code owner} object are checked on this host with {@link ProcessHandle}.</li>
 * <li>Otherwise the log: alive while {@code sessions.jsonl} grew within {@code staleAfter}.</li>
 * </ol>
 */
public final class OwnerProbe {
    /** The run lock file's name inside the run folder. */
    public static final String LOCK_FILE = "run.lock";

    private OwnerProbe() {
    }

    /** The verdict and how it was reached (shown on the run page). */
    public record Owner(boolean alive, String how) {
    }

    public static Owner probe(Path runDir, Duration staleAfter, Instant now) {
        Path lock = runDir.resolve(LOCK_FILE);
        if (Files.isRegularFile(lock)) {
            return probeLock(lock);
        }
        JsonNode owner = readJson(runDir.resolve("run.json")).path("owner");
        if (owner.path("pid").canConvertToLong() && localHost().equals(owner.path("host").asText(localHost()))) {
            long pid = owner.path("pid").asLong();
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return new Owner(alive, "pid " + pid + (alive ? " is alive" : " is gone"));
        }
        Path log = runDir.resolve("sessions.jsonl");
        Path touched = Files.isRegularFile(log) ? log : runDir.resolve("run.json");
        try {
            Instant last = Files.getLastModifiedTime(touched).toInstant();
            Duration idle = Duration.between(last, now);
            boolean alive = idle.compareTo(staleAfter) < 0;
            return new Owner(alive, "no lock file; the log last grew " + Math.max(0, idle.toSeconds()) + " s ago ("
                    + (alive ? "within " : "more than ") + staleAfter.toSeconds() + " s)");
        } catch (IOException e) {
            return new Owner(false, "no lock file and no log");
        }
    }

    private static Owner probeLock(Path lock) {
        if (FileLocks.heldInThisJvm(lock)) {
            return new Owner(true, "lock held by this process");
        }
        boolean held;
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.READ)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            held = l == null;
            if (l != null) {
                l.release();
            }
        } catch (OverlappingFileLockException e) {
            held = true;
        } catch (IOException e) {
            return new Owner(false, "cannot probe " + lock + ": " + e.getMessage());
        }
        JsonNode who = readJson(lock);
        String name = who.has("pid") ? " (pid " + who.path("pid").asText() + " on " + who.path("host").asText("?")
                + ", started " + who.path("started_at").asText("?") + ")" : "";
        return new Owner(held, held ? "run.lock is held" + name : "run.lock is free: its owner" + name + " is gone");
    }

    private static JsonNode readJson(Path p) {
        try {
            return Files.isRegularFile(p) ? Json.mapper().readTree(Files.readString(p)) : Json.object();
        } catch (IOException | RuntimeException e) {
            return Json.object();
        }
    }

    static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}

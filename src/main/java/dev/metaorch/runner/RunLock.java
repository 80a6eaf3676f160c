package dev.metaorch.runner;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.metaorch.common.FileLocks;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One run, one owner: an exclusive OS lock on {@code runs/<id>/run.lock}, held for the run's
 * whole life (PostgreSQL's {@code postmaster.pid}, SQLite's database lock). The holder writes
 * who it is into the lock file (pid, host, start time, command), so a second process on the
 * same run is told whom it is waiting for. The OS drops the lock when the holder dies, even by
 * {@code kill -9}, so a stale lock file never blocks a resume.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name inside the run folder. */
    public static final String FILE = "run.lock";

    private final RunFolder folder;
    private final FileLocks.Held held;
    private final Holder holder;

    /** Who holds a run: the line written into {@code run.lock}. */
    public record Holder(long pid, String host, @JsonProperty("started_at") String startedAt, String command) {
        /** This process, now. */
        public static Holder current(String command) {
            return new Holder(ProcessHandle.current().pid(), hostName(), Instant.now().toString(), command);
        }

        /** "pid 123 on host h since 2026-12-03T07:00:00Z (run-experiment --resume)". */
        public String describe() {
            return "pid " + pid + " on host " + host + " since " + startedAt + " (" + command + ")";
        }
    }

    private RunLock(RunFolder folder, FileLocks.Held held, Holder holder) {
        this.folder = folder;
        this.held = held;
        this.holder = holder;
    }

    public static Path file(RunFolder folder) {
        return folder.dir().resolve(FILE);
    }

    /**
     * Holds the run or refuses at once (exit 2) naming the holder. The run folder must exist
     * (the lock never creates it: creation is the caller's atomic step).
     */
    public static RunLock tryAcquire(RunFolder folder, String command) {
        Holder me = Holder.current(command);
        FileLocks.Attempt attempt = attempt(folder, me);
        // the holder writes its name right after it takes the lock: a refusal that cannot name it yet
        // looks again for up to NAME_WAIT_MS, so the user is told who holds the run
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(NAME_WAIT_MS);
        while (attempt instanceof FileLocks.Busy b && describe(b.holder()).startsWith(UNNAMED)
                && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            attempt = attempt(folder, me);
        }
        if (attempt instanceof FileLocks.Acquired a) {
            return new RunLock(folder, a.held(), me);
        }
        throw MetaorchException.invalidInput(refusal(folder, ((FileLocks.Busy) attempt).holder()));
    }

    /**
     * Holds the run, waiting (after saying whom for) while another process holds it. For
     * commands whose repetition is harmless and short, such as an import.
     */
    public static RunLock acquireWaiting(RunFolder folder, String command, Consumer<String> messages) {
        Holder me = Holder.current(command);
        FileLocks.Attempt attempt = attempt(folder, me);
        if (attempt instanceof FileLocks.Acquired a) {
            return new RunLock(folder, a.held(), me);
        }
        messages.accept("run " + folder.runId() + " is in use by " + describe(((FileLocks.Busy) attempt).holder())
                + "; waiting for it to finish");
        try {
            return new RunLock(folder, FileLocks.acquire(file(folder), Json.line(me)), me);
        } catch (IOException e) {
            throw lockFailure(folder, e);
        }
    }

    private static FileLocks.Attempt attempt(RunFolder folder, Holder me) {
        if (!Files.isDirectory(folder.dir())) {
            throw MetaorchException.invalidInput(folder.dir() + ": no such run folder");
        }
        try {
            return FileLocks.tryAcquire(file(folder), Json.line(me));
        } catch (IOException e) {
            throw lockFailure(folder, e);
        }
    }

    private static MetaorchException lockFailure(RunFolder folder, IOException e) {
        String msg = e.getMessage();
        if (e instanceof AccessDeniedException || e.getCause() instanceof AccessDeniedException) {
            return MetaorchException.invalidInput(file(folder) + ": cannot lock the run: permission denied ("
                    + "the results folder must be writable by whoever runs metaorch)");
        }
        return MetaorchException.runtime(msg != null && msg.contains(FILE) ? msg
                : file(folder) + ": cannot lock the run: " + msg, e);
    }

    static final String UNNAMED = "another process (it has not written its name yet";
    static final long NAME_WAIT_MS = 2000;

    /** The refusal a second process gets. */
    static String refusal(RunFolder folder, String holderText) {
        return "run " + folder.runId() + " is in use by " + describe(holderText) + " (lock " + file(folder)
                + "); a run has one owner at a time: wait for it to end, or stop that process first";
    }

    /** The holder line as a sentence; raw text when it is not one of ours. */
    static String describe(String holderText) {
        if (holderText == null || holderText.isBlank()) {
            return UNNAMED + ")";
        }
        try {
            Holder h = Json.mapper().readValue(holderText, Holder.class);
            if (h.host().equals(hostName()) && ProcessHandle.of(h.pid()).isEmpty()) {
                // the text of an owner that died: the new owner has not written its name yet
                return "another process (it has not written its name yet; the previous owner was " + h.describe() + ")";
            }
            return h.describe();
        } catch (IOException e) {
            return "another process (" + holderText.strip() + ")";
        }
    }

    public Holder holder() {
        return holder;
    }

    public RunFolder folder() {
        return folder;
    }

    @Override
    public void close() {
        try {
            held.close();
        } catch (IOException e) {
            throw MetaorchException.runtime(file(folder) + ": cannot release the run lock: " + e.getMessage(), e);
        }
    }

    /** The host name, without a DNS lookup when the kernel can say it. */
    static String hostName() {
        try {
            Path proc = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(proc)) {
                String h = Files.readString(proc).strip();
                if (!h.isEmpty()) {
                    return h;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the environment and the resolver
        }
        String env = System.getenv("HOSTNAME");
        if (env == null || env.isBlank()) {
            env = System.getenv("COMPUTERNAME");
        }
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}

package dev.metaorch.session;

import dev.metaorch.common.FileLocks;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The append-only session log with group commit (Optuna's journal storage, Lucene's lock
 * factory). One writer thread, never interrupted, takes every record queued so far, writes
 * them with one {@code FileChannel.write} loop on an append channel while holding the exclusive
 * lock on {@code sessions.jsonl.lock}, then {@code force}s once; the callers of
 * {@link #append} return only after that force. Records that arrive during a force share the
 * next one. On open, a torn last line is moved aside to {@code sessions.jsonl.torn-<time>} and
 * the file truncated, under the lock, with a warning.
 */
public final class JsonlSessionStore implements SessionStore {
    private final Path file;
    private final Path lockFile;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final List<String> warnings = new ArrayList<>();
    private volatile boolean closed;
    private volatile IOException failure;
    private long forces;

    private record Pending(byte[] bytes, CompletableFuture<Void> done) {
    }

    private static final Pending STOP = new Pending(new byte[0], null);

    private JsonlSessionStore(Path file) {
        this.file = file;
        this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
        this.writer = new Thread(this::writeLoop, "session-log-writer");
        this.writer.setDaemon(true);
    }

    /** Opens (creating) the log, repairing a torn tail first. */
    public static JsonlSessionStore open(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        JsonlSessionStore store = new JsonlSessionStore(file);
        store.repairTail();
        store.writer.start();
        return store;
    }

    public Path file() {
        return file;
    }

    /** Warnings from opening (a repaired tail). */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** How many times the log was forced (for group-commit statistics). */
    public synchronized long forces() {
        return forces;
    }

    @SuppressWarnings("try") // the lock is held for the scope of the block
    private void repairTail() throws IOException {
        try (FileLocks.Held lock = FileLocks.acquire(lockFile);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0) {
                return;
            }
            long keep = lastNewlineEnd(ch, size);
            if (keep == size) {
                return;
            }
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(size - keep, 64L << 20));
            ch.read(tail, keep);
            Path aside = file.resolveSibling(file.getFileName() + ".torn-" + Instant.now().toEpochMilli());
            Files.write(aside, java.util.Arrays.copyOf(tail.array(), tail.position()));
            ch.truncate(keep);
            ch.force(true);
            warnings.add(file + ": torn last line (" + (size - keep) + " bytes at byte " + keep
                    + ") moved to " + aside.getFileName() + " and truncated");
        }
    }

    /** Length of the prefix that ends with a newline (0 if none). */
    private static long lastNewlineEnd(FileChannel ch, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long pos = size;
        while (pos > 0) {
            int len = (int) Math.min(buf.capacity(), pos);
            pos -= len;
            buf.clear().limit(len);
            ch.read(buf, pos);
            for (int i = len - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }

    @Override
    public void append(SessionRecord record) throws IOException {
        appendLine(Json.line(record));
    }

    /**
     * Appends JSON lines (without their newlines) in this order; returns when all are durable. They
     * are queued at once, so they share one force (a caller that appended them one by one would
     * wait for a force each).
     */
    public void appendLines(List<String> lines) throws IOException {
        if (closed) {
            throw new IOException(file + ": session log is closed");
        }
        if (failure != null) {
            throw new IOException(file + ": cannot append session record: " + failure.getMessage(), failure);
        }
        List<CompletableFuture<Void>> all = new ArrayList<>(lines.size());
        for (String json : lines) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            all.add(done);
            queue.add(new Pending((json + "\n").getBytes(StandardCharsets.UTF_8), done));
        }
        for (CompletableFuture<Void> done : all) {
            SessionStore.awaitWritten(done);
        }
    }

    /** Appends one JSON line (without its newline); returns when it is durable. */
    public void appendLine(String json) throws IOException {
        if (closed) {
            throw new IOException(file + ": session log is closed");
        }
        if (failure != null) {
            throw new IOException(file + ": cannot append session record: " + failure.getMessage(), failure);
        }
        byte[] bytes = (json + "\n").getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Pending(bytes, done));
        SessionStore.awaitWritten(done);
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (true) {
                batch.clear();
                Pending first = take();
                batch.add(first);
                queue.drainTo(batch);
                boolean stop = batch.remove(STOP);
                if (!batch.isEmpty()) {
                    writeBatch(ch, batch);
                }
                if (stop) {
                    return;
                }
            }
        } catch (IOException e) {
            fail(e, batch);
        }
    }

    private Pending take() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // never interrupted on purpose: interrupting channel I/O would close the channel
            }
        }
    }

    @SuppressWarnings("try") // the lock is held for the scope of the block
    private void writeBatch(FileChannel ch, List<Pending> batch) {
        if (failure != null) {
            IOException reported = new IOException(file + ": cannot append session record: " + failure.getMessage(), failure);
            batch.forEach(p -> p.done().completeExceptionally(reported));
            return;
        }
        int total = 0;
        for (Pending p : batch) {
            total += p.bytes().length;
        }
        ByteBuffer buf = ByteBuffer.allocate(total);
        for (Pending p : batch) {
            buf.put(p.bytes());
        }
        buf.flip();
        try (FileLocks.Held lock = FileLocks.acquire(lockFile)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
            synchronized (this) {
                forces++;
            }
        } catch (IOException e) {
            failure = failure == null ? e : failure;
            IOException reported = new IOException(file + ": cannot append session record: " + e.getMessage(), e);
            batch.forEach(p -> p.done().completeExceptionally(reported));
            return;
        }
        batch.forEach(p -> p.done().complete(null));
    }

    private void fail(IOException e, List<Pending> batch) {
        failure = e;
        IOException reported = e instanceof InterruptedIOException ? e
                : new IOException(file + ": session log failed: " + e.getMessage(), e);
        batch.forEach(p -> {
            if (p.done() != null) {
                p.done().completeExceptionally(reported);
            }
        });
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p.done() != null) {
                p.done().completeExceptionally(reported);
            }
        }
    }

    @Override
    public void forEach(Consumer<SessionRecord> consumer, Consumer<LogProblem> problems) throws IOException {
        SessionLogReader.read(file, consumer, problems);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.metaorch.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * An exclusive lock across threads and processes on a dedicated {@code .lock} file that
 * nothing else opens (closing any other channel on a locked file silently drops an OS lock).
 * <p>Implementation notes:
 * <ul>
 * <li>Within the JVM a one-permit {@link Semaphore} per <em>canonical</em> path comes first,
 * because a second {@code FileChannel.lock} on the same file from the same JVM throws. The key
 * is the real path of the parent folder plus the file name, so a path through a symlink and the
 * real path share one lock (ADR-007). A semaphore, unlike a {@code ReentrantLock}, is not
 * reentrant (a nested acquire in one thread would otherwise reach the OS lock and throw) and
 * may be released by another thread.</li>
 * <li>The per-path registry is process-wide by nature, like Lucene's
 * {@code NativeFSLockFactory.LOCK_HELD} (ADR-007).</li>
 * <li>{@link #tryAcquire} never blocks; it writes a description of the holder into the lock
 * file through the holder's own channel. A refused caller in another process reads it through
 * its own channel; one in this JVM gets it from the registry, so nothing in this JVM ever opens
 * (and closes) a second channel on a file it holds locked.</li>
 * </ul>
 */
public final class FileLocks {
    private static final ConcurrentHashMap<Path, Slot> IN_JVM = new ConcurrentHashMap<>();

    private FileLocks() {
    }

    /** The in-JVM lock of one canonical path and what its current holder said about itself. */
    private static final class Slot {
        final Semaphore permit = new Semaphore(1);
        volatile String holder;
    }

    /** A held lock; closing releases both the OS lock and the in-JVM lock. */
    public interface Held extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /**
     * Whether a thread of this JVM holds the lock on {@code lockFile} (a prober must not open the
     * file then: closing its channel would drop this JVM's OS lock). Never creates anything.
     */
    public static boolean heldInThisJvm(Path lockFile) {
        Path abs = lockFile.toAbsolutePath().normalize();
        Path key;
        try {
            key = abs.getParent().toRealPath().resolve(abs.getFileName());
        } catch (IOException e) {
            return false;
        }
        Slot slot = IN_JVM.get(key);
        return slot != null && slot.permit.availablePermits() == 0;
    }

    /** The outcome of {@link #tryAcquire}: the lock, or the description of whoever holds it. */
    public sealed interface Attempt permits Acquired, Busy {
    }

    /** The lock is now held by the caller. */
    public record Acquired(Held held) implements Attempt {
    }

    /** Someone else holds the lock; {@code holder} is what it wrote (empty when it wrote nothing yet). */
    public record Busy(String holder) implements Attempt {
    }

    /**
     * The path the lock is keyed on: the real path of the parent folder (created if missing)
     * plus the file name.
     */
    public static Path canonical(Path lockFile) throws IOException {
        Path abs = lockFile.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        try {
            Files.createDirectories(parent);
            return parent.toRealPath().resolve(abs.getFileName());
        } catch (AccessDeniedException e) {
            throw new IOException(parent + ": cannot create the folder of the lock file " + abs.getFileName()
                    + ": permission denied", e);
        }
    }

    /** Waits until the lock is free, then holds it. */
    public static Held acquire(Path lockFile) throws IOException {
        return acquire(lockFile, null);
    }

    /**
     * Waits until the lock is free, then holds it; a non-null {@code holder} is written into the
     * lock file as in {@link #tryAcquire}.
     */
    public static Held acquire(Path lockFile, String holder) throws IOException {
        Path key = canonical(lockFile);
        Slot slot = IN_JVM.computeIfAbsent(key, k -> new Slot());
        slot.permit.acquireUninterruptibly();
        FileChannel ch = null;
        try {
            ch = open(key);
            FileLock osLock = lock(ch, key, true);
            return held(slot, ch, osLock, holder);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch, e);
            slot.permit.release();
            throw e;
        }
    }

    /**
     * Takes the lock when it is free and writes {@code holder} (one line of text: who, where,
     * since when) into the lock file; never waits.
     */
    public static Attempt tryAcquire(Path lockFile, String holder) throws IOException {
        Path key = canonical(lockFile);
        Slot slot = IN_JVM.computeIfAbsent(key, k -> new Slot());
        if (!slot.permit.tryAcquire()) {
            String h = slot.holder;
            return new Busy(h == null ? "" : h);
        }
        // named at once: a thread of this JVM refused from now on is told who is taking the lock
        slot.holder = holder;
        FileChannel ch = null;
        try {
            ch = open(key);
            FileLock osLock = lock(ch, key, false);
            if (osLock == null) {
                String other = read(ch);
                ch.close();
                slot.holder = null;
                slot.permit.release();
                return new Busy(other);
            }
            return new Acquired(held(slot, ch, osLock, holder));
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch, e);
            slot.holder = null;
            slot.permit.release();
            throw e;
        }
    }

    private static FileChannel open(Path key) throws IOException {
        try {
            return FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new IOException(key + ": cannot open the lock file: permission denied", e);
        } catch (FileSystemException e) {
            throw new IOException(key + ": cannot open the lock file: " + reason(e), e);
        }
    }

    private static FileLock lock(FileChannel ch, Path key, boolean wait) throws IOException {
        try {
            return wait ? ch.lock() : ch.tryLock();
        } catch (IOException e) {
            throw new IOException(key + ": cannot lock (does this file system support locks?): " + e.getMessage(), e);
        }
    }

    private static Held held(Slot slot, FileChannel channel, FileLock osLock, String holder) throws IOException {
        if (holder != null) {
            channel.truncate(0);
            ByteBuffer buf = ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8));
            long pos = 0;
            while (buf.hasRemaining()) {
                pos += channel.write(buf, pos);
            }
            channel.force(true);
            slot.holder = holder;
        }
        return new Held() {
            private boolean closed;

            @Override
            public synchronized void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                slot.holder = null;
                try {
                    osLock.release();
                    channel.close();
                } finally {
                    slot.permit.release();
                }
            }
        };
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
        while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
            // read up to 4 KiB of the holder's description
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    }

    private static String reason(FileSystemException e) {
        return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
    }

    private static void closeQuietly(FileChannel ch, Exception failure) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
    }
}

package dev.metaorch.common;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock across threads and processes on a dedicated {@code .lock} file that
 * nothing else opens (closing any other channel on a locked file silently drops an OS lock).
 * Within the JVM a {@link ReentrantLock} per canonical path comes first, because a second
 * {@code FileChannel.lock} on the same file from the same JVM throws. The per-path registry is
 * process-wide by nature, like Lucene's {@code NativeFSLockFactory.LOCK_HELD} (see ADR-008).
 */
public final class FileLocks {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private FileLocks() {
    }

    /** A held lock; closing releases both the OS lock and the in-JVM lock. */
    public interface Held extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /**
     * Whether a thread of this JVM holds the lock on {@code lockFile}. A prober must not open the
     * file then: closing its channel would drop this JVM's OS lock (see the class comment).
     */
    public static boolean heldInThisJvm(Path lockFile) {
        ReentrantLock l = IN_JVM.get(lockFile.toAbsolutePath().normalize());
        return l != null && l.isLocked();
    }

    public static Held acquire(Path lockFile) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock jvmLock = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
        jvmLock.lock();
        FileChannel ch = null;
        try {
            Files.createDirectories(key.getParent());
            ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock osLock = ch.lock();
            FileChannel channel = ch;
            return () -> {
                try {
                    osLock.release();
                    channel.close();
                } finally {
                    jvmLock.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            jvmLock.unlock();
            throw e;
        }
    }
}

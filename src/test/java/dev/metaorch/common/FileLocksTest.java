package dev.metaorch.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.metaorch.testing.ChildJvm;
import dev.metaorch.testing.CommonChild;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLocksTest {
    @TempDir
    Path dir;

    @Test
    void aPathThroughASymlinkIsTheSameLock() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        assertThat(FileLocks.canonical(link.resolve("x.lock"))).isEqualTo(FileLocks.canonical(real.resolve("x.lock")));
        FileLocks.Attempt first = FileLocks.tryAcquire(real.resolve("x.lock"), "first holder");
        assertThat(first).isInstanceOf(FileLocks.Acquired.class);
        try (FileLocks.Held held = ((FileLocks.Acquired) first).held()) {
            // keyed on the absolute path (before ADR-007's canonical key), this second attempt went
            // past the in-JVM lock to the OS lock and threw OverlappingFileLockException
            FileLocks.Attempt second = FileLocks.tryAcquire(link.resolve("x.lock"), "second holder");
            assertThat(second).isEqualTo(new FileLocks.Busy("first holder"));
        }
        FileLocks.Attempt again = FileLocks.tryAcquire(link.resolve("x.lock"), "third holder");
        assertThat(again).isInstanceOf(FileLocks.Acquired.class);
        ((FileLocks.Acquired) again).held().close();
        assertThat(Files.readString(real.resolve("x.lock"))).isEqualTo("third holder\n");
    }

    @Test
    void threadsThroughRealAndSymlinkedPathsNeverOverlap() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        Path counter = real.resolve("counter");
        Files.writeString(counter, "0");
        int threads = 4;
        int rounds = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Path lock = (t % 2 == 0 ? real : link).resolve("counter.lock");
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < rounds; i++) {
                    try (FileLocks.Held held = FileLocks.acquire(lock)) {
                        // read-modify-write: any overlap of two holders loses an increment
                        long n = Long.parseLong(Files.readString(counter));
                        Files.writeString(counter, Long.toString(n + 1));
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(Files.readString(counter)).isEqualTo(Integer.toString(threads * rounds));
    }

    @Test
    void anotherProcessIsRefusedAndToldTheHolder() throws Exception {
        Path lock = dir.resolve("run.lock");
        try (ChildJvm child = ChildJvm.start(null, CommonChild.class.getName(), "lock", lock.toString(), "child holder 42")) {
            child.awaitLine("held"::equals, Duration.ofSeconds(60));
            FileLocks.Attempt attempt = FileLocks.tryAcquire(lock, "parent");
            assertThat(attempt).isEqualTo(new FileLocks.Busy("child holder 42"));
            child.closeStdin();
            assertThat(child.waitFor(Duration.ofSeconds(60))).isZero();
        }
        // the OS released the child's lock when it closed
        FileLocks.Attempt after = FileLocks.tryAcquire(lock, "parent");
        assertThat(after).isInstanceOf(FileLocks.Acquired.class);
        ((FileLocks.Acquired) after).held().close();
    }

    @Test
    void aLockFileThatCannotBeOpenedIsNamedWithTheReason() throws IOException {
        Path notAFile = Files.createDirectories(dir.resolve("busy.lock"));
        assertThatThrownBy(() -> FileLocks.acquire(notAFile)).isInstanceOf(IOException.class)
                .hasMessageContaining(notAFile.toRealPath().toString()).hasMessageContaining("cannot open the lock file");
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertThatThrownBy(() -> FileLocks.acquire(file.resolve("x.lock"))).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString());
        // the in-JVM lock was released on the failure: the same path can be tried again
        assertThatThrownBy(() -> FileLocks.acquire(notAFile)).isInstanceOf(IOException.class);
    }

    @Test
    void aReadOnlyFolderGivesPermissionDeniedNamingTheLockFile() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "root bypasses file permissions");
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assertThatThrownBy(() -> FileLocks.acquire(ro.resolve("x.lock"))).isInstanceOf(IOException.class)
                    .hasMessageContaining(ro.toRealPath().resolve("x.lock").toString())
                    .hasMessageContaining("permission denied");
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void closingTwiceReleasesOnce() throws IOException {
        Path lock = dir.resolve("twice.lock");
        FileLocks.Held held = FileLocks.acquire(lock);
        held.close();
        held.close();
        FileLocks.Attempt a = FileLocks.tryAcquire(lock, "a");
        assertThat(a).isInstanceOf(FileLocks.Acquired.class);
        FileLocks.Attempt b = FileLocks.tryAcquire(lock, "b");
        assertThat(b).isEqualTo(new FileLocks.Busy("a"));
        ((FileLocks.Acquired) a).held().close();
    }
}

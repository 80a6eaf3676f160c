package dev.metaorch.serve;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A stand-in for a run's owner process in tests: holds an exclusive lock on the run's
 * {@code run.lock} (pid, host and start inside), prints "locked", and lives until its stdin
 * closes or it is killed.
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws IOException {
        FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        ch.lock();
        String who = "{\"pid\":" + ProcessHandle.current().pid() + ",\"host\":\"" + InetAddress.getLocalHost().getHostName()
                + "\",\"started_at\":\"" + Instant.now() + "\",\"jvm\":\"" + ManagementFactory.getRuntimeMXBean().getName() + "\"}\n";
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(true);
        System.out.println("locked");
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the lock until stdin closes
        }
    }
}

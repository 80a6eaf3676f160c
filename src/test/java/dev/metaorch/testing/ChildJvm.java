package dev.metaorch.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A second JVM on the test class path, for what one process cannot show alone (OS locks between
 * processes, the umask, the working directory). Its stdout and stderr are read on their own
 * threads, so every wait here has a timeout that can fire.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer all = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;

    private ChildJvm(Process process) {
        this.process = process;
        this.outReader = pump(process.getInputStream(), true);
        this.errReader = pump(process.getErrorStream(), true);
    }

    /** The java command line that runs {@code mainClass} with {@code args} on the test class path. */
    public static List<String> command(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts {@code mainClass} in {@code workDir} (null: this one). */
    public static ChildJvm start(Path workDir, String mainClass, String... args) throws IOException {
        return start(workDir, command(mainClass, args));
    }

    /** Starts any command line (e.g. a shell that sets the umask, then execs java). */
    public static ChildJvm start(Path workDir, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        return new ChildJvm(pb.start());
    }

    /** A shell command line: {@code umask <mask>; exec <java command>}. */
    public static List<String> withUmask(String mask, List<String> javaCommand) {
        return List.of("/bin/sh", "-c", "umask " + mask + " && exec " + shellWords(javaCommand));
    }

    /** The words, each single-quoted for /bin/sh. */
    public static String shellWords(List<String> words) {
        StringBuilder sh = new StringBuilder();
        for (String a : words) {
            sh.append(sh.length() == 0 ? "'" : " '").append(a.replace("'", "'\\''")).append("'");
        }
        return sh.toString();
    }

    private Thread pump(InputStream in, boolean queue) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    all.append(line).append('\n');
                    if (queue) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                all.append("(read failed: ").append(e).append(")\n");
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits for an output line (stdout or stderr) that matches; fails after {@code timeout}. */
    public String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no matching line from the child within " + timeout + "; output so far:\n" + all);
            }
            if (match.test(line)) {
                return line;
            }
        }
    }

    public void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    /** Waits for the exit; fails (and kills the child) after {@code timeout}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child still running after " + timeout + "; output:\n" + all);
        }
        outReader.join(timeout.toMillis());
        errReader.join(timeout.toMillis());
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    /** Everything the child printed so far. */
    public String output() {
        return all.toString();
    }

    /** Kills the child (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}

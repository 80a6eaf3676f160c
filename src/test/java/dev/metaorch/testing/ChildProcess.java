package dev.metaorch.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process for a test. Its stdout and stderr are drained on their own threads, so
 * a child that fills a pipe never blocks and {@link Process#waitFor(long, TimeUnit)} is what
 * bounds the wait: a child still running at the timeout is killed (with its descendants) and
 * the test fails with what it had printed, instead of hanging the build.
 */
public final class ChildProcess {
    private ChildProcess() {
    }

    /** Exit code and everything the child printed. */
    public record Result(int code, String out, String err) {
    }

    /** Runs {@code pb} to completion within {@code timeout}. */
    public static Result run(ProcessBuilder pb, Duration timeout) throws IOException, InterruptedException {
        Process p = pb.start();
        p.getOutputStream().close();
        Drain out = new Drain(p.getInputStream(), "child-stdout");
        Drain err = new Drain(p.getErrorStream(), "child-stderr");
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("child did not finish within " + timeout + ": " + pb.command()
                    + "\n--- stdout:\n" + out.text(Duration.ofSeconds(5)) + "\n--- stderr:\n" + err.text(Duration.ofSeconds(5)));
        }
        return new Result(p.exitValue(), out.text(Duration.ofSeconds(30)), err.text(Duration.ofSeconds(30)));
    }

    /** A builder for {@code java -cp <test classpath> mainClass args...} (stderr kept apart). */
    public static ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** The metaorch command line in a child JVM, with extra environment variables. */
    public static Result metaorch(Duration timeout, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder pb = java("dev.metaorch.cli.MetaorchApplication", args);
        pb.environment().putAll(env);
        return run(pb, timeout);
    }

    /** Reads a stream to its end on its own daemon thread. */
    private static final class Drain {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream in, String name) {
            thread = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buf)) >= 0;) {
                        synchronized (bytes) {
                            bytes.write(buf, 0, n);
                        }
                    }
                } catch (IOException e) {
                    if (!"Stream closed".equals(e.getMessage())) {
                        throw new UncheckedIOException(e);
                    }
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        String text(Duration wait) throws InterruptedException {
            thread.join(wait.toMillis());
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}

package dev.metaorch.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM/SIGINT for a command that runs sessions. The JVM halts as soon as its shutdown hooks
 * return, so the hook stops the run ({@code stop}: in-flight sessions are cancelled, their
 * agents killed and their records logged) and then waits until the command's thread has printed
 * what it has to say (the resume hint). Close it when the command is done.
 */
final class InterruptHook implements AutoCloseable {
    private final CountDownLatch reported = new CountDownLatch(1);
    private final Thread hook;

    InterruptHook(Runnable stop) {
        hook = new Thread(() -> {
            stop.run();
            try {
                reported.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The command has printed everything: a pending shutdown may proceed. */
    @Override
    public void close() {
        reported.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}

package dev.metaorch.session;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Where session records go. {@link #append} returns only once the record is durable: a
 * session counts only after that. Implementations are safe for concurrent use by threads and,
 * for the file store, by processes.
 */
public interface SessionStore extends AutoCloseable {
    void append(SessionRecord record) throws IOException;

    /** Streams every readable record in order; unusable lines go to {@code problems}. */
    void forEach(Consumer<SessionRecord> consumer, Consumer<LogProblem> problems) throws IOException;

    @Override
    void close() throws IOException;

    /**
     * Waits for the outcome of a write already queued (an interrupt is kept for later, not obeyed:
     * the record may be written anyway); its failure comes back as an {@link IOException}.
     */
    static void awaitWritten(CompletableFuture<?> done) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    done.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    throw c instanceof IOException io ? io : new IOException(c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

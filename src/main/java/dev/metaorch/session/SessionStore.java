package dev.metaorch.session;

import java.io.IOException;
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
}

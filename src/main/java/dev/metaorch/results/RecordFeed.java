package dev.metaorch.results;

import java.io.IOException;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One run's records as they land: every {@link #poll} hands on, as exact JSON lines, the records
 * not handed on before (the first poll: all so far), each exactly once. Not thread-safe: one
 * reader polls it (the run's replay in {@code RunStateSource}).
 */
public interface RecordFeed {
    /** Hands on the records that landed since the last poll. */
    void poll(Consumer<String> lines) throws IOException;

    /** When the run's log last grew, as far as the polls saw; null before any record. */
    Instant lastWrite() throws IOException;
}

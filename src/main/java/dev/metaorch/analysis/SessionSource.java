package dev.metaorch.analysis;

import dev.metaorch.results.FolderResults;
import dev.metaorch.results.ResultStore;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Streams the session records of some runs (or all of them) without holding them in memory,
 * passing on only the attempt that counts: a non-infrastructure record is always a session's
 * last attempt (only error/timeout/cancelled are retried); an infrastructure record counts only
 * when no later attempt of the same session follows, and is emitted when the run's records end.
 * The records come from a {@link ResultStore}: a results folder or a team store.
 */
public final class SessionSource {
    private final ResultStore store;
    private final List<String> runIds;

    public SessionSource(Path resultsDir, List<String> runIds) {
        this(new FolderResults(resultsDir), runIds);
    }

    public SessionSource(ResultStore store, List<String> runIds) {
        this.store = store;
        this.runIds = runIds;
    }

    /** The runs to read: the ones named (each must have a session log), or every run with one. */
    public List<String> runs() throws IOException {
        if (runIds.isEmpty()) {
            return store.runsWithRecords();
        }
        for (String id : runIds) {
            if (!store.hasRecords(id)) {
                throw store.missingLog(id);
            }
        }
        return runIds;
    }

    /** Feeds each counting record to {@code sink}, problems to {@code problems}; returns bytes read. */
    public long forEach(Consumer<SessionRecord> sink, Consumer<LogProblem> problems) throws IOException {
        return forEach(sink, problems, r -> { });
    }

    /** As {@link #forEach(Consumer, Consumer)}, and every attempt record (before filters) to {@code attempts}. */
    public long forEach(Consumer<SessionRecord> sink, Consumer<LogProblem> problems, Consumer<SessionRecord> attempts)
            throws IOException {
        long bytes = 0;
        for (String run : runs()) {
            Map<String, SessionRecord> pendingInfra = new HashMap<>();
            bytes += store.records(run, r -> {
                attempts.accept(r);
                if (r.outcome().isInfrastructure()) {
                    pendingInfra.merge(r.sessionId(), r, (a, b) -> b.attempt() >= a.attempt() ? b : a);
                } else {
                    pendingInfra.remove(r.sessionId());
                    sink.accept(r);
                }
            }, problems);
            pendingInfra.values().forEach(sink);
        }
        return bytes;
    }
}

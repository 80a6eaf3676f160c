package dev.metaorch.analysis;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionLogReader;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Streams the session records of some runs (or all of them) without holding them in memory,
 * passing on only the attempt that counts: a non-infrastructure record is always a session's
 * last attempt (only error/timeout/cancelled are retried); an infrastructure record counts only
 * when no later attempt of the same session follows, and is emitted when the input ends.
 */
public final class SessionSource {
    private final Path resultsDir;
    private final List<String> runIds;

    public SessionSource(Path resultsDir, List<String> runIds) {
        this.resultsDir = resultsDir;
        this.runIds = runIds;
    }

    /** The runs to read: the ones named, or every run folder with a session log. */
    public List<Path> logs() {
        List<Path> logs = new ArrayList<>();
        if (!runIds.isEmpty()) {
            for (String id : runIds) {
                Path log = resultsDir.resolve("runs").resolve(SafeIds.require("RUN_ID", id)).resolve("sessions.jsonl");
                if (!Files.isRegularFile(log)) {
                    throw MetaorchException.invalidInput("RUN_ID " + id + ": no session log at " + log);
                }
                logs.add(log);
            }
            return logs;
        }
        Path runs = resultsDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return logs;
        }
        try (Stream<Path> dirs = Files.list(runs)) {
            dirs.sorted().map(d -> d.resolve("sessions.jsonl")).filter(Files::isRegularFile).forEach(logs::add);
        } catch (IOException e) {
            throw MetaorchException.runtime("cannot list " + runs + ": " + e.getMessage(), e);
        }
        return logs;
    }

    /** Feeds each counting record to {@code sink}, problems to {@code problems}; returns bytes read. */
    public long forEach(Consumer<SessionRecord> sink, Consumer<LogProblem> problems) throws IOException {
        return forEach(sink, problems, r -> { });
    }

    /** As {@link #forEach(Consumer, Consumer)}, and every attempt record (before filters) to {@code attempts}. */
    public long forEach(Consumer<SessionRecord> sink, Consumer<LogProblem> problems, Consumer<SessionRecord> attempts)
            throws IOException {
        long bytes = 0;
        for (Path log : logs()) {
            Map<String, SessionRecord> pendingInfra = new HashMap<>();
            SessionLogReader.read(log, r -> {
                attempts.accept(r);
                if (r.outcome().isInfrastructure()) {
                    pendingInfra.merge(r.sessionId(), r, (a, b) -> b.attempt() >= a.attempt() ? b : a);
                } else {
                    pendingInfra.remove(r.sessionId());
                    sink.accept(r);
                }
            }, problems);
            pendingInfra.values().forEach(sink);
            bytes += Files.size(log);
        }
        return bytes;
    }
}

package dev.metaorch.experiment;

import dev.metaorch.session.SessionRecord;
import java.util.List;

/**
 * The sessions of a run that landed last, newest first, each as the record of it that landed
 * last with its count of attempts; {@code total} counts every session of the run.
 */
public record RunSessions(List<Row> rows, int total) {
    /** One session: the record of it that landed last, and how many attempts it has. */
    public record Row(SessionRecord last, int attempts) {
    }
}

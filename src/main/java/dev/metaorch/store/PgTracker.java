package dev.metaorch.store;

import dev.metaorch.experiment.TrackerSource;
import java.util.List;

/** The team store's tracker table as a {@link TrackerSource}: {@code metaorch experiments --store URL}. */
public record PgTracker(PgRuns runs) implements TrackerSource {
    @Override
    public List<String> lines() {
        return runs.trackerLines();
    }

    @Override
    public String describe() {
        return "the tracker of " + runs.store().url();
    }
}

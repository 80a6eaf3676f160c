package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.store.StoreCoordinator;
import java.io.IOException;
import java.util.List;

/** Where a run's tracker lines go: results/experiments.jsonl, and the team store's tracker when there is one. */
record TrackerSink(ExperimentTracker local, StoreCoordinator team) {
    List<String> append(ObjectNode entry) throws IOException {
        List<String> warnings = local.append(entry);
        if (team != null) {
            team.tracker(entry);
        }
        return warnings;
    }
}

package dev.metaorch.experiment;

import java.io.IOException;
import java.util.List;

/**
 * Where the tracker's lines come from: {@code results/experiments.jsonl} ({@link ExperimentTracker})
 * or a team store's {@code tracker} table. {@link ExperimentHistory} computes every figure of
 * {@code metaorch experiments} from these lines, whichever the source.
 */
public interface TrackerSource {
    /** Every tracker line (one JSON object each), in the order written. */
    List<String> lines() throws IOException;

    /** The source for messages: a file path or a store URL (without its password). */
    String describe();
}

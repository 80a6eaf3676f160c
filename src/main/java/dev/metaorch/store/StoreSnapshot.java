package dev.metaorch.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The runs of a team store as a results folder, for the commands that read run folders
 * ({@code analyze}, {@code pareto}, {@code report}): the runs asked for (all when none is named)
 * are exported ({@link StoreExport}, the same bytes as {@code store export}) into a temporary
 * folder, which is deleted when the process ends.
 */
public final class StoreSnapshot {
    private StoreSnapshot() {
    }

    /** Exports {@code runIds} (every run of the store when empty) and returns the folder holding them. */
    public static Path export(StoreUrl url, List<String> runIds, Consumer<String> messages) throws IOException {
        Path dir = Files.createTempDirectory("metaorch-store-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                StoreExport.deleteTree(dir);
            } catch (IOException e) {
                // a temporary folder: the system cleans it eventually
            }
        }, "store-snapshot-cleanup"));
        try (PgStore store = PgStore.open(url, 2, true)) {
            PgRuns runs = new PgRuns(store);
            List<String> ids = runIds.isEmpty() ? runs.runIds() : runIds;
            StoreExport export = new StoreExport(runs);
            long records = 0;
            for (String id : ids) {
                records += export.export(id, dir, false).records();
            }
            messages.accept("read " + ids.size() + " run(s), " + records + " records, from " + url);
        }
        return dir;
    }
}

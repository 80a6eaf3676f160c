package dev.metaorch.store;

import dev.metaorch.results.FolderResults;
import dev.metaorch.results.ResultStore;
import java.nio.file.Path;

/** Chooses the {@link ResultStore} the readers use: the team store when a URL is given, else the folder. */
public final class ResultStores {
    private ResultStores() {
    }

    /** {@code url} from {@code --store} or {@code METAORCH_STORE} (null: neither), else the results folder. */
    public static ResultStore open(Path folder, StoreUrl url) {
        return url == null ? new FolderResults(folder) : PgResults.open(url);
    }
}

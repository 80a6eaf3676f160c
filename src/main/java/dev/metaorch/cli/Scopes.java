package dev.metaorch.cli;

import dev.metaorch.analysis.RunScope;
import dev.metaorch.results.ResultStore;
import java.io.IOException;

/**
 * Resolves which runs {@code analyze}, {@code pareto} and {@code report} read (see
 * {@link RunScope}): run ids, else one {@code --experiment}, else {@code --all}, else the
 * command's default; among the runs of {@code store} (the results folder, or the team store of
 * {@code --store}). States the scope first (stdout for text, stderr with {@code --json}) and
 * prints the mixing warning. An empty scope (a folder without runs) is the caller's to report.
 */
final class Scopes {
    private Scopes() {
    }

    static RunScope resolve(SessionSelection sel, ResultStore store, RunScope.Default dflt, Console console, boolean json)
            throws IOException {
        String experiment = sel.experiments.size() == 1 ? sel.experiments.get(0) : null;
        RunScope scope = RunScope.resolve(store, sel.runIds, experiment, sel.all, dflt);
        if (json) {
            console.info(scope.firstLine());
        } else {
            console.out().println(scope.firstLine());
            console.out().flush();
        }
        scope.warnings().forEach(console::warn);
        return scope;
    }
}

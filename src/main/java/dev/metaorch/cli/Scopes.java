package dev.metaorch.cli;

import dev.metaorch.analysis.RunCatalog;
import dev.metaorch.analysis.RunScope;
import java.io.IOException;

/**
 * Resolves which runs {@code analyze}, {@code pareto} and {@code report} read (see
 * {@link RunScope}): run ids, else one {@code --experiment}, else {@code --all}, else the
 * command's default; with {@code --store}, among the team store's runs. States the scope first (stdout for text, stderr with {@code --json}) and
 * prints the mixing warning. An empty scope (a folder without runs) is the caller's to report.
 */
final class Scopes {
    private Scopes() {
    }

    static RunScope resolve(SessionSelection sel, RunScope.Default dflt, Console console, boolean json) throws IOException {
        sel.readStore(console); // --store: the store's runs, exported to a temporary results folder
        String experiment = sel.experiments.size() == 1 ? sel.experiments.get(0) : null;
        RunScope scope = RunScope.resolve(new RunCatalog(sel.results.dir), sel.runIds, experiment, sel.all, dflt);
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

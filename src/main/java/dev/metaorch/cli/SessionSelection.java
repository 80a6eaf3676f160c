package dev.metaorch.cli;

import dev.metaorch.analysis.FilterChain;
import dev.metaorch.analysis.SessionFilter;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.results.ResultStore;
import dev.metaorch.session.Outcome;
import dev.metaorch.store.ResultStores;
import dev.metaorch.store.StoreUrl;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options shared by commands that read sessions: which runs, and the filter chain. */
final class SessionSelection {
    @Parameters(paramLabel = "RUN_ID", arity = "0..*", description = "Runs to read (default: all runs).")
    List<String> runIds = new ArrayList<>();

    @Option(names = "--all", description = "Read every run (the default when no RUN_ID is given).") boolean all;
    @Mixin SharedOptions.ResultsDir results;
    @Mixin SharedOptions.Store store;

    @Option(names = "--where", paramLabel = "FIELD=VALUE",
            description = "Keep sessions whose field equals the value (any field, dotted path: task.code=gpu_race).")
    List<String> where = new ArrayList<>();

    @Option(names = "--task-code", description = "Keep sessions of this task code.")
    List<String> taskCodes = new ArrayList<>();

    @Option(names = "--task", description = "Keep sessions of this task id.") List<String> tasks = new ArrayList<>();

    @Option(names = "--outcome", description = "Keep sessions with this outcome: ${COMPLETION-CANDIDATES}.")
    List<Outcome> outcomes = new ArrayList<>();

    @Option(names = "--experiment", description = "Keep sessions of this experiment id.")
    List<String> experiments = new ArrayList<>();

    @Option(names = "--since", description = "Keep sessions started at or after this instant (ISO-8601).") String since;
    @Option(names = "--until", description = "Keep sessions started before this instant (ISO-8601).") String until;
    @Option(names = "--last", description = "Keep the last N sessions (after the other filters).") Integer last;

    /**
     * Where the runs are read: the team store of --store (or METAORCH_STORE), named on stderr, else
     * the --results folder. The caller closes it.
     */
    ResultStore open(Console console) {
        StoreUrl url = store.optional();
        if (url != null) {
            console.info("reading the runs of " + url);
        }
        return ResultStores.open(results.dir, url);
    }

    List<String> runs() {
        return all ? List.of() : runIds;
    }

    FilterChain chain() {
        FilterChain chain = new FilterChain();
        for (String w : where) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw MetaorchException.invalidInput("--where " + w + ": expected FIELD=VALUE, e.g. model_id=gpt-4o");
            }
            chain.add(SessionFilter.match(w.substring(0, eq).trim(), w.substring(eq + 1)));
        }
        if (!taskCodes.isEmpty()) {
            chain.add(r -> r.task() != null && taskCodes.contains(r.task().code()));
        }
        if (!tasks.isEmpty()) {
            chain.add(r -> r.task() != null && tasks.contains(r.task().id()));
        }
        if (!outcomes.isEmpty()) {
            chain.add(r -> outcomes.contains(r.outcome()));
        }
        if (!experiments.isEmpty()) {
            chain.add(SessionFilter.experiments(new HashSet<>(experiments)));
        }
        if (since != null || until != null) {
            chain.add(SessionFilter.timeRange(instant("--since", since), instant("--until", until)));
        }
        if (last != null) {
            if (last < 1) {
                throw MetaorchException.invalidInput("--last: must be >= 1, got " + last);
            }
            chain.add(SessionFilter.lastN(last));
        }
        return chain;
    }

    private static Instant instant(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw MetaorchException.invalidInput(option + ": '" + value + "' is not an ISO-8601 instant (2026-11-22T10:00:00Z)");
        }
    }
}

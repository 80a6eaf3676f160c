package dev.metaorch.analysis;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.results.ResultStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which runs an analysis reads, said in one sentence, and never a silent mix of data sets.
 * <ul>
 * <li>Runs named explicitly, or the runs of one experiment, are read as asked; if they span
 * more than one data set (origin + task suite, {@link RunInfo#dataSet()}) that is an error
 * unless {@code --all} allows it, and then a warning.</li>
 * <li>{@code --all} reads every run; mixing data sets gives a warning.</li>
 * <li>The default is {@link Default#LATEST_EXPERIMENT} (every run of the experiment of the
 * newest run) or {@link Default#LATEST_DATA_SET} (every run of the newest run's data set).</li>
 * </ul>
 */
public record RunScope(List<RunInfo> runs, String description, List<String> warnings) {

    /** What a command reads when it is given neither run ids, nor an experiment, nor --all. */
    public enum Default {
        LATEST_EXPERIMENT, LATEST_DATA_SET
    }

    /** The run ids, for {@link SessionSource}; never empty unless the folder has no run. */
    public List<String> runIds() {
        return runs.stream().map(RunInfo::runId).toList();
    }

    /** The first line a command prints: what it read. */
    public String firstLine() {
        return "scope: " + description;
    }

    /**
     * Resolves a scope. {@code runIds} and {@code experiment} may be empty/null; {@code all}
     * reads every run when no run id is given, and allows a mix of data sets in any case.
     */
    public static RunScope resolve(ResultStore store, List<String> runIds, String experiment, boolean all, Default dflt)
            throws IOException {
        List<RunInfo> every = store.runs();
        List<RunInfo> chosen = new ArrayList<>();
        String description;
        if (!runIds.isEmpty()) {
            for (String id : runIds) {
                Optional<RunInfo> r = store.run(id);
                chosen.add(r.orElseThrow(() -> store.missingLog(id)));
            }
            description = plural(chosen.size(), "run") + " named on the command line";
        } else if (experiment != null) {
            every.stream().filter(r -> r.arms().containsValue(experiment) || r.experiment().equals(experiment))
                    .forEach(chosen::add);
            if (chosen.isEmpty()) {
                throw MetaorchException.invalidInput("--experiment " + experiment + ": no run of that experiment in "
                        + store.describe());
            }
            description = plural(chosen.size(), "run") + " of experiment " + experiment;
        } else if (all) {
            chosen.addAll(every);
            description = "all " + plural(chosen.size(), "run") + " in " + store.describe();
        } else if (every.isEmpty()) {
            description = "no runs in " + store.describe();
        } else {
            RunInfo latest = every.get(every.size() - 1);
            if (dflt == Default.LATEST_EXPERIMENT) {
                every.stream().filter(r -> r.experiment().equals(latest.experiment())
                        && r.dataSet().equals(latest.dataSet())).forEach(chosen::add);
                description = "the latest experiment, " + latest.experiment() + " (" + plural(chosen.size(), "run")
                        + ", " + latest.dataSet() + "); --all for every run, --experiment ID or RUN_ID for others";
            } else {
                every.stream().filter(r -> r.dataSet().equals(latest.dataSet())).forEach(chosen::add);
                description = "the data set of the latest run " + latest.runId() + " (" + plural(chosen.size(), "run")
                        + " of " + latest.dataSet() + "); --all for every run, RUN_ID for others";
            }
        }
        Set<String> sets = new LinkedHashSet<>();
        chosen.forEach(r -> sets.add(r.dataSet()));
        List<String> warnings = new ArrayList<>();
        if (sets.size() > 1) {
            String mix = "the runs mix " + sets.size() + " data sets (" + String.join("; ", sets) + ")";
            if (!all) {
                throw MetaorchException.invalidInput("scope: " + mix + "; pass --all to analyse them together, or "
                        + "name runs of one data set");
            }
            warnings.add(mix + ": their sessions are pooled; figures across data sets are not comparable");
            description = description + " — mixing " + sets.size() + " data sets";
        }
        return new RunScope(List.copyOf(chosen), description, List.copyOf(warnings));
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}

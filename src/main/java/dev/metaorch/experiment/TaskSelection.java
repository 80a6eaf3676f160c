package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.SessionSource;
import dev.metaorch.analysis.TaskClusters;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.Task;
import dev.metaorch.runner.TaskPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code run-experiment --tasks LABEL}: the tasks that the history in results/ labels so (task
 * clustering, with the false discovery rate of "discriminative" held at 5% by Benjamini–Hochberg),
 * recorded so that every figure of the run can say what it is about. An effect measured on a
 * selection holds for those tasks only ({@link #scope()}: "on 4 selected tasks (labelled
 * discriminative, of 48)"); the excluded tasks get a short regression {@link SelectionGuard}.
 * See ADR-132.
 *
 * @param label the label asked for
 * @param selected ids of the tasks kept, in suite order
 * @param excluded ids of the suite's other tasks, in suite order
 * @param historySessions sessions of the history the labels came from
 * @param tests homogeneity tests in the false-discovery-rate family
 */
public record TaskSelection(String label, List<String> selected, List<String> excluded, long historySessions,
        int tests) {
    public static final List<String> LABELS = List.of("discriminative", "trivial", "challenging", "unclear");

    /** Labels the suite's tasks from every session under {@code results}/runs and keeps those labelled {@code label}. */
    public static TaskSelection select(List<Task> suite, String label, Path results) throws IOException {
        if (!LABELS.contains(label)) {
            throw MetaorchException.invalidInput("--tasks: must be discriminative, trivial, challenging or unclear, got '"
                    + label + "'");
        }
        TaskClusters clusters = new TaskClusters(TaskClusters.Thresholds.DEFAULT);
        long[] sessions = new long[1];
        new SessionSource(results, List.of()).forEach(r -> {
            sessions[0]++;
            clusters.accept(r);
        }, p -> { });
        return from(suite, label, clusters, sessions[0]);
    }

    static TaskSelection from(List<Task> suite, String label, TaskClusters clusters, long historySessions) {
        Set<String> keep = Set.copyOf(clusters.tasksLabelled(label));
        List<String> selected = suite.stream().map(Task::id).filter(keep::contains).toList();
        if (selected.isEmpty()) {
            throw MetaorchException.invalidInput("--tasks " + label + ": no task of the suite is labelled " + label
                    + " by the " + historySessions + " sessions of the history (run metaorch analyze --clusters)");
        }
        List<String> excluded = suite.stream().map(Task::id).filter(id -> !keep.contains(id)).toList();
        return new TaskSelection(label, selected, excluded, historySessions, clusters.tests());
    }

    /** The suite's tasks that were selected, in suite order. */
    public List<Task> apply(List<Task> suite) {
        Set<String> keep = Set.copyOf(selected);
        return suite.stream().filter(t -> keep.contains(t.id())).toList();
    }

    /** The suite's tasks that were left out (the guard runs on these). */
    public List<Task> excludedTasks(List<Task> suite) {
        Set<String> out = Set.copyOf(excluded);
        return suite.stream().filter(t -> out.contains(t.id())).toList();
    }

    /**
     * The guard's plan: the excluded tasks in a seeded shuffle of their own (seed derived from the
     * run's with "guard"), or empty when nothing was excluded. Pair k of the guard runs {@code task(k)}.
     */
    public java.util.Optional<TaskPlan> guardPlan(List<Task> suite, long runSeed) {
        return guardPlanOver(excludedTasks(suite), runSeed);
    }

    /** The guard's plan over {@code excludedTasks} (as recorded in run.json), or empty when there are none. */
    public static java.util.Optional<TaskPlan> guardPlanOver(List<Task> excludedTasks, long runSeed) {
        return excludedTasks.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(new TaskPlan(excludedTasks, Hashing.deriveSeed(runSeed, "guard")));
    }

    /** What every effect of the run is about, e.g. "on 4 selected tasks (labelled discriminative, of 48)". */
    public String scope() {
        return String.format(Locale.ROOT, "on %d selected tasks (labelled %s, of %d)", selected.size(), label,
                selected.size() + excluded.size());
    }

    /** For result.json, the manifest and the tracker. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("label", label).put("selected", selected.size()).put("suite", selected.size() + excluded.size())
                .put("scope", scope()).put("history_sessions", historySessions)
                .put("method", "chi-square homogeneity test per task over the history's configs; Benjamini-Hochberg "
                        + "across " + tests + " tests, false discovery rate " + TaskClusters.Thresholds.DEFAULT.alpha());
        o.set("task_ids", Json.tree(selected));
        o.set("excluded_task_ids", Json.tree(excluded));
        return o;
    }
}

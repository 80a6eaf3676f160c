package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.experiment.ExperimentHistory;
import dev.metaorch.experiment.ExperimentHistory.TrackedRun;
import dev.metaorch.results.ResultStore;
import dev.metaorch.store.ResultStores;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code metaorch experiments [list | show ID]}: the experiment tracker. */
@Command(name = "experiments", mixinStandardHelpOptions = true,
        description = {"The experiment history from results/experiments.jsonl, with lineage and the velocity KPIs "
            + "(hypotheses decided per week, sessions saved by SPRT).",
            "With --store (or $METAORCH_STORE): the team store's tracker, with the same figures.",
            "Without a subcommand: list."},
        subcommands = {ExperimentsCommand.ListRuns.class, ExperimentsCommand.Show.class},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch experiments", "  metaorch experiments show exp_042", "  metaorch experiments show exp_042 --json",
            "  metaorch experiments --store postgresql://127.0.0.1:5432/team"})
final class ExperimentsCommand implements Callable<Integer> {
    @Mixin SharedOptions.ResultsDir results;
    @Mixin SharedOptions.Store store;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws Exception {
        return ListRuns.list(json.console(), history(results, store), json.enabled);
    }

    /**
     * The history from the tracker of the results the command reads: the team store's when --store
     * or METAORCH_STORE names one, else the results folder's; one code path for the figures either way.
     */
    static ExperimentHistory history(SharedOptions.ResultsDir results, SharedOptions.Store store) throws IOException {
        try (ResultStore read = ResultStores.open(results.dir, store.optional())) {
            return ExperimentHistory.read(read.tracker());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every run with its experiment, parent, status, sessions and spend; then the velocity line.")
    static final class ListRuns implements Callable<Integer> {
        @Mixin SharedOptions.ResultsDir results;
        @Mixin SharedOptions.Store store;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() throws Exception {
            return list(json.console(), history(results, store), json.enabled);
        }

        static int list(Console console, ExperimentHistory history, boolean json) {
            ExperimentHistory.Velocity v = history.velocity(Instant.now());
            var falseAcceptances = history.falseAcceptances();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("experiments", history.runs());
                o.put("kpis", v);
                o.put("false_acceptances", falseAcceptances.toJson());
                console.json(o);
                return ExitCodes.OK;
            }
            PrintWriter out = console.out();
            out.printf(Locale.ROOT, "%-36s %-14s %-12s %-13s %8s %10s %s%n", "run", "experiment", "parent", "status",
                    "sessions", "spend", "hypothesis");
            for (TrackedRun r : history.runs()) {
                out.printf(Locale.ROOT, "%-36s %-14s %-12s %-13s %8d %10.4f %s%n", r.runId(), r.experimentId(),
                        r.parent() == null ? "-" : r.parent(), r.status(), r.sessions() == null ? 0 : r.sessions(),
                        r.spendUsd() == null ? 0 : r.spendUsd(), r.hypothesis() == null ? "" : r.hypothesisId());
            }
            out.printf(Locale.ROOT, "velocity: %d hypotheses decided, %.1f per week; SPRT saved %d sessions "
                    + "(%.0f%% of the fixed designs)%n", v.hypothesesDecided(), v.hypothesesPerWeek(), v.sessionsSaved(),
                    100 * v.sessionsSavedShare());
            out.printf(Locale.ROOT, "process: autonomy %s of ended runs decided without a person (accepted or rejected); "
                    + "blocking time %s of the time since the first run had a run waiting for its decision%n",
                    v.autonomyRate() == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v.autonomyRate()),
                    v.blockingTimeShare() == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v.blockingTimeShare()));
            out.println(falseAcceptances.label());
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One experiment (or run): its lineage, hypothesis and runs with their decisions.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "Experiment or run id.") String id;
        @Mixin SharedOptions.ResultsDir results;
        @Mixin SharedOptions.Store store;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() throws Exception {
            ExperimentHistory history = history(results, store);
            ExperimentHistory.Experiment e = history.find(id);
            if (e == null) {
                throw MetaorchException.invalidInput("experiments show: no experiment or run '" + id + "' in "
                        + history.source());
            }
            Console console = json.console();
            if (json.enabled) {
                console.json(e);
                return ExitCodes.OK;
            }
            PrintWriter out = console.out();
            out.println("experiment  " + e.experimentId());
            out.println("lineage     " + String.join(" <- ", e.lineage()));
            TrackedRun last = e.runs().get(e.runs().size() - 1);
            if (last.hypothesis() != null) {
                var h = last.hypothesis();
                out.printf(Locale.ROOT, "hypothesis  %s: %s%n", h.path("id").asText("-"), h.path("description").asText(""));
                if (h.hasNonNull("guideline")) {
                    out.println("guideline   " + h.path("guideline").asText());
                }
                if (h.hasNonNull("metric")) {
                    out.printf(Locale.ROOT, "metric      %s, expected improvement %s%n", h.path("metric").asText(),
                            h.hasNonNull("expected_improvement")
                                    ? String.format(Locale.ROOT, "%+.3f", h.path("expected_improvement").asDouble()) : "-");
                }
            }
            out.println();
            out.printf(Locale.ROOT, "%-36s %-13s %-13s %6s %8s %7s %8s %10s  %s%n", "run", "status", "decision", "pairs",
                    "fixed n", "saving", "sessions", "spend", "started");
            for (TrackedRun r : e.runs()) {
                out.printf(Locale.ROOT, "%-36s %-13s %-13s %6s %8s %7s %8d %10.4f  %s%n", r.runId(), r.status(),
                        r.decision() == null ? "-" : r.decision(), r.pairs() == null ? "-" : r.pairs().toString(),
                        r.fixedN() == null ? "-" : r.fixedN().toString(),
                        r.savings() == null ? "-" : Console.pct(r.savings()), r.sessions() == null ? 0 : r.sessions(),
                        r.spendUsd() == null ? 0 : r.spendUsd(), r.startedAt() == null ? "-" : r.startedAt());
            }
            return ExitCodes.OK;
        }
    }
}

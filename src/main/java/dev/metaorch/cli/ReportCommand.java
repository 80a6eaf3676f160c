package dev.metaorch.cli;

import dev.metaorch.analysis.RunScope;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.report.ReportBuilder;
import dev.metaorch.results.ResultStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch report}: one self-contained HTML page of the selected runs. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write one self-contained HTML report of the selected runs.",
            "By default the latest experiment (RUN_ID..., --experiment ID or --all for others). Inline SVG charts, no network at view time: insights, decisions with their LLR trajectory, the Pareto "
                + "scatter, a task x config heatmap, cost distributions, bandit regret, guideline impact and failure "
                + "patterns."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch report --out results/report.html", "  metaorch report RUN_ID --out results/run.html",
            "  metaorch report --experiment exp_042", "  metaorch report --all"})
final class ReportCommand implements Callable<Integer> {
    @Mixin SessionSelection selection;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "results/report.html", description = "Output file (.html).")
    Path out;

    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        if (!out.toString().endsWith(".html")) {
            throw MetaorchException.invalidInput("--out: the report file must end in .html, got " + out);
        }
        Console console = json.console();
        ReportBuilder.Report report;
        RunScope scope;
        try (ResultStore store = selection.open(console)) {
            scope = Scopes.resolve(selection, store, RunScope.Default.LATEST_EXPERIMENT, console, json.enabled);
            if (scope.runs().isEmpty()) {
                throw MetaorchException.invalidInput("report: no runs in " + store.describe());
            }
            // the bandit simulation's summary is this machine's (simulate-bandit writes it to --results)
            Path bandit = selection.all ? selection.results.dir.resolve("bandit").resolve("latest.json") : null;
            report = new ReportBuilder(store, scope, bandit).build();
        }
        if (report.sessions() == 0) {
            throw MetaorchException.invalidInput("report: no sessions in " + scope.description());
        }
        AtomicFiles.writeString(out, report.html());
        if (json.enabled) {
            var o = Json.object().put("scope", scope.description()).put("file", out.toString()).put("sessions", report.sessions()).put("charts", report.charts());
            report.insights().forEach(o.putArray("insights")::add);
            console.json(o);
        } else {
            console.out().println("wrote " + out + " (" + report.sessions() + " sessions, " + report.charts() + " charts)");
            report.insights().forEach(s -> console.out().println("- " + s));
        }
        return ExitCodes.OK;
    }
}

package dev.metaorch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Erc3Importer;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.PriceTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code metaorch import erc3 FILE}: session logs of other tools as session records. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import session logs written by other tools as metaorch session records.",
            "Formats: erc3 (the session history of the ERC3 benchmark's SGR store agents; each task attempt of an "
                + "ERC3 session becomes one metaorch session)."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch import erc3 sessions_history.json",
            "  metaorch import erc3 sessions_history.json --run-id erc3-week47 --json"})
final class ImportCommand implements Callable<Integer> {

    /** The formats {@code import} reads. */
    enum Format {
        ERC3;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Parameters(index = "0", paramLabel = "FORMAT", description = "Format of the file: ${COMPLETION-CANDIDATES}.")
    Format format;

    @Parameters(index = "1", paramLabel = "FILE", description = "The file to import.") Path file;

    @Option(names = "--run-id", description = "Run to import into (default erc3-<file name>); importing again adds nothing.")
    String runId;

    @Mixin SharedOptions.ResultsDir results;
    @Mixin SharedOptions.PriceFile prices;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws Exception {
        String stem = file.getFileName().toString().replaceAll("\\.json$", "").replaceAll("[^A-Za-z0-9._-]", "_");
        String id = SafeIds.require("--run-id", runId != null ? runId : "erc3-" + stem);
        PriceTable table = PriceTable.find(prices.file, List.of()).map(PriceTable::load).orElse(null);
        Console console = json.console();
        var summary = new Erc3Importer().importFile(file, results.dir, id, table, console::warn);
        if (json.enabled) {
            ObjectNode o = Json.object();
            o.put("run_id", summary.runId()).put("log", summary.log().toString()).put("erc3_sessions", summary.sessions())
                    .put("task_attempts", summary.tasks()).put("added", summary.added()).put("skipped", summary.skipped())
                    .put("graded", summary.graded());
            summary.warnings().forEach(o.putArray("warnings")::add);
            console.json(o);
        } else {
            console.out().printf(Locale.ROOT, "imported %d task attempts from %d ERC3 sessions into run %s as metaorch "
                    + "sessions (%d new, %d already there); %d graded by the benchmark, %d self-reported only%n", summary.tasks(), summary.sessions(),
                    summary.runId(), summary.added(), summary.skipped(), summary.graded(), summary.tasks() - summary.graded());
            console.out().println("log: " + summary.log());
        }
        return ExitCodes.OK;
    }
}

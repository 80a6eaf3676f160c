package dev.metaorch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.Erc3Importer;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.config.PriceTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code metaorch import erc3 FILE}: session logs of other tools as session records. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import session logs written by other tools as metaorch session records.",
            "Formats: erc3 (the session history of the ERC3 benchmark's SGR store agents)."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch import erc3 sessions_history.json",
            "  metaorch import erc3 sessions_history.json --run-id erc3-week47 --json"})
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FORMAT", description = "erc3")
    String format;

    @Parameters(index = "1", paramLabel = "FILE", description = "The file to import.")
    Path file;

    @Option(names = "--run-id", description = "Run to import into (default erc3-<file name>); importing again adds nothing.")
    String runId;

    @Option(names = "--results", defaultValue = "results", description = "Results folder (default ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--prices", description = "Price table (default configs/prices.json).")
    Path prices;

    @Option(names = "--json", description = "Print a JSON summary.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("erc3")) {
            throw MetaorchException.invalidInput("FORMAT: unknown format '" + format + "' (erc3)");
        }
        String stem = file.getFileName().toString().replaceAll("\\.json$", "").replaceAll("[^A-Za-z0-9._-]", "_");
        String id = SafeIds.require("--run-id", runId != null ? runId : "erc3-" + stem);
        Path priceFile = prices != null ? prices : Path.of("configs/prices.json");
        PriceTable table = Files.isRegularFile(priceFile) || prices != null ? PriceTable.load(priceFile) : null;
        Console console = new Console(spec);
        var summary = new Erc3Importer().importFile(file, results, id, table, console::warn);
        if (json) {
            ObjectNode o = Json.object();
            o.put("run_id", summary.runId()).put("log", summary.log().toString()).put("sessions", summary.sessions())
                    .put("tasks", summary.tasks()).put("added", summary.added()).put("skipped", summary.skipped())
                    .put("graded", summary.graded());
            summary.warnings().forEach(o.putArray("warnings")::add);
            console.json(o);
        } else {
            console.out().printf("imported %d task attempts from %d sessions into run %s (%d new, %d already there); "
                    + "%d graded by the benchmark, %d self-reported only%n", summary.tasks(), summary.sessions(),
                    summary.runId(), summary.added(), summary.skipped(), summary.graded(), summary.tasks() - summary.graded());
            console.out().println("log: " + summary.log());
        }
        return ExitCodes.OK;
    }
}

package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.results.ResultStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the LLM analysis of {@code analyze --llm} starts from, found before any session is read:
 * the config the suggestions extend (the explicit one, else the test config of the single
 * selected run-experiment run, from its {@code run.json}), the tasks that flipped in that run
 * (its {@code result.json}; both read from the folder or the team store the runs are in), where
 * the exchange is stored, and the price table of the base
 * config (beside it or its parents, else {@code configs/prices.json}; none is fine).
 *
 * @param flipped {@code result.json}'s {@code /flipped}, or null
 * @param prices null when no price table is found (the cost is then not priced)
 */
public record LlmInputs(ResolvedConfig base, JsonNode flipped, Path storeDir, PriceTable prices) {

    /**
     * @param store where the runs are (a folder, or a team store)
     * @param localResults this machine's results folder: the exchange is stored in its {@code llm}
     *                     folder, or in the selected run's folder when the run is here
     * @param runs the selected run ids (empty: all runs)
     * @param explicitBase {@code --base}, or null
     */
    public static LlmInputs locate(ResultStore store, Path localResults, List<String> runs, Path explicitBase)
            throws IOException {
        Path baseFile = explicitBase;
        JsonNode flipped = null;
        Path storeDir = localResults.resolve("llm");
        if (runs.size() == 1) {
            String runId = runs.get(0);
            Optional<Path> dir = store.localFolder(runId);
            if (dir.isPresent()) {
                storeDir = dir.get();
            }
            JsonNode m = store.json(runId, "run.json").orElse(null);
            if (baseFile == null && m != null && m.hasNonNull("test_file")) {
                baseFile = Path.of(m.get("test_file").asText());
            }
            JsonNode result = store.json(runId, "result.json").orElse(null);
            if (result != null) {
                flipped = result.path("flipped");
            }
        }
        if (baseFile == null) {
            throw MetaorchException.invalidInput("--llm: name the config the suggestions extend with --base CONFIG "
                    + "(or select a single run-experiment run)");
        }
        ResolvedConfig config = new ConfigLoader().load(baseFile);
        PriceTable prices = PriceTable.find(null, config.chain()).map(PriceTable::load).orElse(null);
        return new LlmInputs(config, flipped, storeDir, prices);
    }
}

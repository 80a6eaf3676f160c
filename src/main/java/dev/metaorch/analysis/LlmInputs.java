package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the LLM analysis of {@code analyze --llm} starts from, found before any session is read:
 * the config the suggestions extend (the explicit one, else the test config of the single
 * selected run-experiment run, from its {@code run.json}), the tasks that flipped in that run
 * (its {@code result.json}), where the exchange is stored, and the price table of the base
 * config (beside it or its parents, else {@code configs/prices.json}; none is fine).
 *
 * @param flipped {@code result.json}'s {@code /flipped}, or null
 * @param prices null when no price table is found (the cost is then not priced)
 */
public record LlmInputs(ResolvedConfig base, JsonNode flipped, Path storeDir, PriceTable prices) {

    /**
     * @param runs the selected run ids (empty: all runs)
     * @param explicitBase {@code --base}, or null
     */
    public static LlmInputs locate(Path resultsDir, List<String> runs, Path explicitBase) {
        Path baseFile = explicitBase;
        JsonNode flipped = null;
        Path storeDir = resultsDir.resolve("llm");
        if (runs.size() == 1) {
            Path dir = resultsDir.resolve("runs").resolve(runs.get(0));
            storeDir = dir;
            Path manifest = dir.resolve("run.json");
            if (baseFile == null && Files.isRegularFile(manifest)) {
                JsonNode m = JsonFiles.read(manifest, ConfigLoader.display(manifest), "run manifest");
                if (m.hasNonNull("test_file")) {
                    baseFile = Path.of(m.get("test_file").asText());
                }
            }
            Path result = dir.resolve("result.json");
            if (Files.isRegularFile(result)) {
                flipped = JsonFiles.read(result, ConfigLoader.display(result), "result").path("flipped");
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

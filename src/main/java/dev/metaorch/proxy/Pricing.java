package dev.metaorch.proxy;

import dev.metaorch.config.PriceTable;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * Prices LLM calls exactly: the table's USD-per-million prices are taken as the decimals they
 * are written as ({@link BigDecimal#valueOf(double)}), so sums of many calls carry no rounding.
 * A response's model name ({@code gpt-4o-mini-2024-07-18}) is matched exactly, else by the
 * longest model of the table it starts with, else the request's model, else the config's.
 */
public final class Pricing {
    private final PriceTable table;
    private final String fallbackModel;

    public Pricing(PriceTable table, String fallbackModel) {
        this.table = table;
        this.fallbackModel = fallbackModel;
    }

    public String version() {
        return table.version();
    }

    /** The table's model that prices {@code model}, if any. */
    public Optional<String> resolve(String model) {
        if (model == null || model.isEmpty()) {
            return Optional.empty();
        }
        if (table.models().containsKey(model)) {
            return Optional.of(model);
        }
        return table.models().keySet().stream().filter(model::startsWith).max(Comparator.comparingInt(String::length));
    }

    /** The priced model for a call: the response's, else the request's, else the config's. */
    public String pricedModel(String responseModel, String requestModel) {
        return resolve(responseModel).or(() -> resolve(requestModel)).or(() -> resolve(fallbackModel)).orElse(null);
    }

    public BigDecimal cost(String pricedModel, Usage u) {
        PriceTable.ModelPrice p = pricedModel == null ? null : table.models().get(pricedModel);
        if (p == null) {
            return BigDecimal.ZERO;
        }
        long uncached = Math.max(0, u.promptTokens() - u.cachedPromptTokens());
        return BigDecimal.valueOf(uncached).multiply(BigDecimal.valueOf(p.prompt()))
                .add(BigDecimal.valueOf(u.cachedPromptTokens()).multiply(BigDecimal.valueOf(p.cachedPrompt())))
                .add(BigDecimal.valueOf(u.completionTokens()).multiply(BigDecimal.valueOf(p.completion())))
                .movePointLeft(6).stripTrailingZeros();
    }

    Map<String, PriceTable.ModelPrice> models() {
        return table.models();
    }
}

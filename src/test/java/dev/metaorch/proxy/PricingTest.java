package dev.metaorch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.common.Json;
import dev.metaorch.config.PriceTable;
import java.math.BigDecimal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Prices from configs/prices.json; expected costs computed by hand in each row's comment. */
class PricingTest {
    private final Pricing pricing = new Pricing(PriceTable.load(Path.of("configs/prices.json")), "gpt-4o-mini");

    @ParameterizedTest
    @CsvSource({
        "gpt-4o-mini, , gpt-4o-mini",
        "gpt-4o-mini-2024-07-18, , gpt-4o-mini",   // the longest table name it starts with
        "gpt-4o-2024-08-06, , gpt-4o",
        "some-new-model, gpt-4.1, gpt-4.1",        // unknown answering model: the request's
        ", , gpt-4o-mini",                          // neither: the config's
    })
    void theModelThatPricesACall(String response, String request, String expected) {
        assertThat(pricing.pricedModel(response, request)).isEqualTo(expected);
    }

    @Test
    void costsAreExactDecimals() {
        // gpt-4o: (1000 - 250) * 2.50 + 250 * 1.25 + 100 * 10.00 = 1875 + 312.5 + 1000 = 3187.5 per 1M -> $0.0031875
        assertThat(pricing.cost("gpt-4o", new Usage(1000, 250, 100))).isEqualByComparingTo(new BigDecimal("0.0031875"));
        // ten thousand calls of gpt-4o-mini at 7 prompt tokens: 70000 * 0.15 / 1e6 = $0.0105 exactly, no drift
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < 10_000; i++) {
            sum = sum.add(pricing.cost("gpt-4o-mini", new Usage(7, 0, 0)));
        }
        assertThat(sum).isEqualByComparingTo(new BigDecimal("0.0105"));
    }

    @Test
    void usageOfChatAndResponsesApi() throws Exception {
        assertThat(Usage.in(Json.mapper().readTree("{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":4}}}"))).contains(new Usage(12, 4, 3));
        assertThat(Usage.in(Json.mapper().readTree("{\"type\":\"response.completed\",\"response\":{\"usage\":"
                + "{\"input_tokens\":20,\"output_tokens\":5,\"input_tokens_details\":{\"cached_tokens\":8}}}}")))
                .contains(new Usage(20, 8, 5));
        assertThat(Usage.in(Json.mapper().readTree("{\"usage\":null}"))).isEmpty();
    }
}

package dev.metaorch.proxy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.math.BigDecimal;

/**
 * One LLM call seen by the metering proxy for one session: its order in the session
 * ({@code seq} from 1), the request path, the model asked for and the model that answered (and
 * the price-table model it was priced as), the HTTP status returned to the agent, whether it
 * was streamed, the upstream's token counts and their exact cost. {@code error} says why a call
 * was refused or failed ({@code session_budget}, {@code run_budget}, {@code upstream_unreachable}, {@code upstream_timeout},
 * {@code upstream_status}, {@code no_usage}, {@code abandoned}). No wall-clock times: a replay
 * reproduces the same calls byte for byte.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LlmCall(int seq, String path, String requestModel, String responseModel, String pricedModel, int status,
        boolean stream, long promptTokens, long cachedPromptTokens, long completionTokens, BigDecimal costUsd,
        String error) {

    public Usage usage() {
        return new Usage(promptTokens, cachedPromptTokens, completionTokens);
    }
}

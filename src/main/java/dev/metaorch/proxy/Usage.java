package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** Token counts of one LLM call, as the upstream reported them in {@code usage}. */
public record Usage(long promptTokens, long cachedPromptTokens, long completionTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0);

    /**
     * Reads an OpenAI {@code usage} object: {@code prompt_tokens}, {@code completion_tokens} and
     * {@code prompt_tokens_details.cached_tokens} (cached tokens are part of the prompt tokens), or
     * the Responses API's {@code input_tokens}, {@code output_tokens}, {@code input_tokens_details.cached_tokens}.
     */
    public static Optional<Usage> of(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return Optional.empty();
        }
        if (usage.path("prompt_tokens").isIntegralNumber()) {
            return Optional.of(new Usage(usage.path("prompt_tokens").asLong(),
                    usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                    usage.path("completion_tokens").asLong(0)));
        }
        // the Responses API (/v1/responses) names them input and output tokens
        if (usage.path("input_tokens").isIntegralNumber()) {
            return Optional.of(new Usage(usage.path("input_tokens").asLong(),
                    usage.path("input_tokens_details").path("cached_tokens").asLong(0),
                    usage.path("output_tokens").asLong(0)));
        }
        return Optional.empty();
    }

    /** The usage of a response body or stream chunk: top-level, or inside {@code response} (Responses API events). */
    static Optional<Usage> in(JsonNode body) {
        return of(body.get("usage")).or(() -> of(body.path("response").get("usage")));
    }

    public Usage plus(Usage o) {
        return new Usage(promptTokens + o.promptTokens, cachedPromptTokens + o.cachedPromptTokens,
                completionTokens + o.completionTokens);
    }
}

package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** Token counts of one LLM call, as the upstream reported them in {@code usage}. */
public record Usage(long promptTokens, long cachedPromptTokens, long completionTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0);

    /**
     * Reads an OpenAI {@code usage} object: {@code prompt_tokens}, {@code completion_tokens} and
     * {@code prompt_tokens_details.cached_tokens} (cached tokens are part of the prompt tokens).
     */
    public static Optional<Usage> of(JsonNode usage) {
        if (usage == null || !usage.isObject() || !usage.path("prompt_tokens").canConvertToLong()) {
            return Optional.empty();
        }
        return Optional.of(new Usage(usage.path("prompt_tokens").asLong(),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0)));
    }

    public Usage plus(Usage o) {
        return new Usage(promptTokens + o.promptTokens, cachedPromptTokens + o.cachedPromptTokens,
                completionTokens + o.completionTokens);
    }
}

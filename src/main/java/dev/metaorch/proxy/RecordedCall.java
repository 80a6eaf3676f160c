package dev.metaorch.proxy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One request/response pair kept by {@code params.llm_record} (one line of
 * {@code results/runs/<run-id>/recordings/<session>.a<attempt>.jsonl}): the request as the
 * proxy forwarded it (JSON, or text when it was not JSON) and the upstream's answer as it came (for a stream,
 * the raw server-sent events), which a replay passes through the proxy again. Credentials are never kept.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RecordedCall(int seq, String method, String path, JsonNode request, int status, String contentType,
        String response) {
}

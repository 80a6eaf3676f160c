package dev.metaorch.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Where the metering proxy sends an agent's LLM calls: the real endpoint, or a recording being replayed. */
interface Upstream {

    /**
     * Sends one request. {@code pathAndQuery} is what follows the agent's base URL
     * ({@code /chat/completions}); {@code headers} are the agent's, without its credentials.
     *
     * @throws IOException when the upstream cannot be reached or does not answer in time
     */
    Response send(ProxySession session, int seq, String method, String pathAndQuery, Map<String, List<String>> headers,
            byte[] body, Duration timeout) throws IOException, InterruptedException;

    /** Says where calls go, for messages (never includes a credential). */
    String describe();

    /** An upstream answer: status, headers to pass back and the body, read as it arrives. */
    record Response(int status, Map<String, List<String>> headers, InputStream body) {
        String contentType() {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("content-type"))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse("application/json");
        }
    }
}

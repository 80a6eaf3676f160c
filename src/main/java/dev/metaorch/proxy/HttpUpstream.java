package dev.metaorch.proxy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The real OpenAI-compatible endpoint: metaorch's own base URL and key (from metaorch's
 * environment; the agent never sees them). HTTP/1.1, identity encoding (so {@code usage} can be
 * read), the agent's headers passed on except its credentials and hop-by-hop headers.
 */
final class HttpUpstream implements Upstream {
    static final Set<String> DROPPED = Set.of("authorization", "api-key", "host", "content-length", "connection",
            "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "accept-encoding",
            "proxy-authorization", "proxy-connection", "http2-settings");

    private final URI base;
    private final String key;
    private final HttpClient client;

    HttpUpstream(URI base, String key) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.key = key;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String describe() {
        return base.toString();
    }

    @Override
    public Response send(ProxySession session, int seq, String method, String pathAndQuery,
            Map<String, List<String>> headers, byte[] body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout)
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((name, values) -> {
            if (!DROPPED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> {
                    try {
                        rb.header(name, v);
                    } catch (IllegalArgumentException restricted) {
                        // a header the JDK client sets itself
                    }
                });
            }
        });
        if (key != null && !key.isEmpty()) {
            rb.header("Authorization", "Bearer " + key);
        }
        HttpResponse<java.io.InputStream> r = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        return new Response(r.statusCode(), r.headers().map(), r.body());
    }
}

package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A fake OpenAI-compatible upstream (JDK HTTP server). The user message picks the answer:
 * any other text (a completion with usage 1200 prompt / 200 cached / 50 completion tokens),
 * {@code stream} (server-sent events; usage 800 / 0 / 30 in a usage-only chunk when
 * {@code stream_options.include_usage} is set), {@code error} (HTTP 500), {@code 429} (rate limit),
 * {@code slow} (answers only when the server is closed). Keeps every request body and the
 * Authorization header it came with.
 */
public final class FakeOpenAi implements AutoCloseable {
    public record Seen(String authorization, JsonNode body) {
    }

    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);

    public FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(pool);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = Json.mapper().readTree(ex.getRequestBody().readAllBytes());
            seen.add(new Seen(ex.getRequestHeaders().getFirst("Authorization"), body));
            String kind = body.path("messages").path(0).path("content").asText();
            switch (kind) {
                case "stream" -> stream(ex, body.path("stream_options").path("include_usage").asBoolean(false));
                case "error" -> json(ex, 500, "{\"error\":{\"message\":\"upstream broke\",\"type\":\"server_error\",\"code\":null}}");
                case "429" -> json(ex, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                        + "\"code\":\"rate_limit_exceeded\"}}");
                case "slow" -> {
                    try {
                        closing.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    json(ex, 200, "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}");
                }
                default -> json(ex, 200, "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"answer\\\":42}\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":50,"
                        + "\"total_tokens\":1250,\"prompt_tokens_details\":{\"cached_tokens\":200}}}");
            }
        } catch (IOException e) {
            // the proxy went away (a session ended): nothing to answer
        }
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static void stream(HttpExchange ex, boolean includeUsage) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String u = includeUsage ? ",\"usage\":null" : "";
        for (String piece : List.of("Hel", "lo ", "world")) {
            out.write(("data: {\"id\":\"s1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"}}]" + u + "}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        if (includeUsage) {
            out.write(("data: {\"id\":\"s1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":800,\"completion_tokens\":30,\"total_tokens\":830}}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        pool.shutdownNow();
    }
}

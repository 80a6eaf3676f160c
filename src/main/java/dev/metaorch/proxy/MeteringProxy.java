package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.metaorch.common.Json;
import dev.metaorch.variant.Cancellation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local OpenAI-compatible HTTP proxy that meters agents' LLM calls (ADR-160).
 * <p>Implementation notes: it listens on 127.0.0.1 on a free port; each request is handled on
 * its own pooled thread, which blocks on the upstream (so a slow upstream holds one thread, not
 * the server). A session is known by the per-session token the agent gets as its
 * {@code OPENAI_API_KEY}: every call is attributed by that token, whatever the agent reports.
 * Bodies pass through unchanged, with one exception: a streamed request that did not ask for
 * {@code stream_options.include_usage} gets it added, and the usage-only chunk this makes the
 * upstream send is dropped again before the stream reaches the agent. Before forwarding, the
 * call's cost is estimated and held against the session's cap and the run's {@link SpendGuard};
 * a call that would cross either is answered with an OpenAI-style error (HTTP 429
 * {@code session_budget_exceeded}, or 402 {@code run_budget_exceeded}) and the session is
 * cancelled. When the upstream cannot be reached the agent gets HTTP 502 {@code upstream_unreachable}.
 */
public final class MeteringProxy implements AutoCloseable {
    private static final long MAX_REQUEST_BYTES = 32L << 20;
    private static final long MAX_RESPONSE_BYTES = 64L << 20;

    private final HttpServer server;
    private final ExecutorService pool;
    private final Upstream upstream;
    private final Pricing pricing;
    private final Map<String, ProxySession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile SpendGuard guard = SpendGuard.UNLIMITED;

    private MeteringProxy(Upstream upstream, Pricing pricing) throws IOException {
        this.upstream = upstream;
        this.pricing = pricing;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "llm-proxy-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a proxy to a real endpoint ({@code key} is metaorch's own, never given to an agent). */
    public static MeteringProxy start(URI upstreamBase, String key, Pricing pricing) throws IOException {
        return new MeteringProxy(new HttpUpstream(upstreamBase, key), pricing);
    }

    /** Starts a proxy that replays a recording instead of calling any endpoint. */
    public static MeteringProxy replay(java.nio.file.Path recording, Pricing pricing) throws IOException {
        return new MeteringProxy(new ReplayUpstream(recording), pricing);
    }

    /** The base URL agents get as {@code OPENAI_BASE_URL}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    public String upstream() {
        return upstream.describe();
    }

    /** Connects the run's budget (default: {@link SpendGuard#UNLIMITED}). */
    public void spendGuard(SpendGuard g) {
        this.guard = g == null ? SpendGuard.UNLIMITED : g;
    }

    /** Registers a session attempt; its token is valid until {@link #close(ProxySession, long)}. */
    ProxySession open(String sessionId, Cancellation cancellation, BigDecimal capUsd, Instant deadline, boolean record) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        String token = "mo-" + HexFormat.of().formatHex(b);
        ProxySession s = new ProxySession(sessionId, token, cancellation, capUsd, deadline, record);
        sessions.put(token, s);
        return s;
    }

    ProxySession.Closed close(ProxySession s, long graceMs) throws InterruptedException {
        try {
            return s.close(graceMs);
        } finally {
            sessions.remove(s.token);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    /** An OpenAI-style error body. */
    static byte[] errorBody(String message, String type, String code) {
        ObjectNode root = Json.object();
        root.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
        return Json.line(root).getBytes(StandardCharsets.UTF_8);
    }

    /** The request body as JSON, or as a text node when it is not JSON. */
    static JsonNode requestNode(byte[] body) {
        try {
            JsonNode n = Json.mapper().readTree(body);
            return n == null ? TextNode.valueOf("") : n;
        } catch (IOException e) {
            return TextNode.valueOf(new String(body, StandardCharsets.UTF_8));
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            serve(ex);
        } catch (IOException | RuntimeException e) {
            // the agent went away mid-answer (killed at its timeout): nothing to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(HttpExchange ex) throws IOException, InterruptedException {
        String path = ex.getRequestURI().getRawPath();
        String query = ex.getRequestURI().getRawQuery();
        if (!path.startsWith("/v1")) {
            reply(ex, 404, errorBody("metaorch proxy: unknown path " + path + " (the base URL ends in /v1)",
                    "invalid_request_error", "unknown_url"));
            return;
        }
        String forwardPath = path.substring(3) + (query == null ? "" : "?" + query);
        ProxySession session = sessions.get(bearer(ex));
        if (session == null) {
            reply(ex, 401, errorBody("metaorch proxy: unknown or expired session key (use the OPENAI_API_KEY metaorch "
                    + "gave this session)", "invalid_request_error", "invalid_api_key"));
            return;
        }
        byte[] body = readAll(ex.getRequestBody(), MAX_REQUEST_BYTES);
        JsonNode req = requestNode(body);
        String requestModel = req.path("model").isTextual() ? req.path("model").asText() : null;
        boolean stream = req.path("stream").asBoolean(false);
        int seq = session.begin(forwardPath, requestModel, stream);
        if (seq < 0) {
            reply(ex, 401, errorBody("metaorch proxy: session " + session.sessionId + " is over", "invalid_request_error",
                    "invalid_api_key"));
            return;
        }
        String priced = pricing.pricedModel(null, requestModel);
        BigDecimal estimate = session.estimate(pricing.cost(priced, new Usage(body.length / 4, 0,
                req.path("max_completion_tokens").asLong(req.path("max_tokens").asLong(0)))));
        if (!session.reserve(estimate)) {
            String msg = "metaorch: the session's budget of $" + session.capUsd.stripTrailingZeros().toPlainString() + " (run.max_cost_per_session_usd)"
                    + " would be crossed by this call (spent $" + session.spent().toPlainString() + ", estimated $"
                    + estimate.toPlainString() + "); the session is being ended";
            refuse(ex, session, seq, forwardPath, requestModel, stream, 429, msg, "session_budget_exceeded", "session_budget");
            return;
        }
        if (!guard.allow(session.sessionId, estimate)) {
            session.complete(refused(seq, forwardPath, requestModel, stream, 402, "run_budget"), estimate, null);
            String msg = "metaorch: the run's budget (run.max_cost_usd) has no room for this call (estimated $"
                    + estimate.toPlainString() + "); the session is being ended";
            reply(ex, 402, errorBody(msg, "insufficient_quota", "run_budget_exceeded"));
            session.cancellation.cancel("run budget reached: LLM call " + seq + " refused by the metering proxy");
            return;
        }
        BigDecimal actual = BigDecimal.ZERO;
        try {
            LlmCall call = forward(ex, session, seq, forwardPath, requestModel, stream, req, body, estimate);
            actual = call.costUsd();
        } finally {
            guard.settle(session.sessionId, estimate, actual);
        }
    }

    private void refuse(HttpExchange ex, ProxySession session, int seq, String path, String model, boolean stream, int status,
            String msg, String code, String error) throws IOException {
        session.complete(refused(seq, path, model, stream, status, error), BigDecimal.ZERO, null);
        reply(ex, status, errorBody(msg, "insufficient_quota", code));
        session.cancellation.cancel("session budget of $" + session.capUsd.stripTrailingZeros().toPlainString()
                + " reached: LLM call " + seq + " refused by the metering proxy");
    }

    private static LlmCall refused(int seq, String path, String model, boolean stream, int status, String error) {
        return new LlmCall(seq, path, model, null, null, status, stream, 0, 0, 0, BigDecimal.ZERO, error);
    }

    private LlmCall forward(HttpExchange ex, ProxySession session, int seq, String path, String requestModel, boolean stream,
            JsonNode req, byte[] body, BigDecimal estimate) throws IOException, InterruptedException {
        // only the (chat) completions API needs asking; the Responses API always ends its stream with usage
        boolean addUsage = stream && path.matches("/(chat/)?completions(\\?.*)?") && req instanceof ObjectNode o
                && !o.path("stream_options").path("include_usage").asBoolean(false);
        byte[] sent = body;
        if (addUsage) {
            ObjectNode copy = ((ObjectNode) req).deepCopy();
            JsonNode so = copy.get("stream_options");
            (so instanceof ObjectNode son ? son : copy.putObject("stream_options")).put("include_usage", true);
            sent = Json.line(copy).getBytes(StandardCharsets.UTF_8);
        }
        // past the session's deadline by the grace a finished session waits for its calls: the
        // deadline (a timeout outcome) always comes first, and a late answer is still metered
        Duration timeout = Duration.between(Instant.now(), session.deadline).plusMillis(AgentMetering.GRACE_MS);
        if (timeout.toMillis() < 1000) {
            timeout = Duration.ofSeconds(1);
        }
        Upstream.Response r;
        try {
            r = upstream.send(session, seq, ex.getRequestMethod(), path, ex.getRequestHeaders(), sent, timeout);
        } catch (IOException e) {
            // a timeout is the session's deadline: the agent is being stopped anyway
            boolean timedOut = e instanceof java.net.http.HttpTimeoutException;
            int status = timedOut ? 504 : 502;
            String code = timedOut ? "upstream_timeout" : "upstream_unreachable";
            LlmCall call = new LlmCall(seq, path, requestModel, null, null, status, stream, 0, 0, 0, BigDecimal.ZERO, code);
            session.complete(call, estimate, null);
            reply(ex, status, errorBody("metaorch proxy: the upstream " + upstream.describe() + " did not answer: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), "api_error", code));
            return call;
        }
        boolean sse = r.contentType().toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        r.headers().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (!n.equals("content-length") && !n.equals("transfer-encoding") && !n.equals("connection")
                    && !n.equals("content-encoding") && !n.startsWith(":")) {
                ex.getResponseHeaders().put(name, values);
            }
        });
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        Usage usage;
        String responseModel;
        if (sse) {
            ex.sendResponseHeaders(r.status(), 0);
            SseResult s = relayStream(r.body(), ex.getResponseBody(), addUsage, raw);
            usage = s.usage;
            responseModel = s.model;
        } else {
            byte[] b = readAll(r.body(), MAX_RESPONSE_BYTES);
            raw.write(b);
            JsonNode resp = requestNode(b);
            usage = Usage.in(resp).orElse(null);
            responseModel = resp.path("model").isTextual() ? resp.path("model").asText() : null;
            // kept before the agent sees the answer, so whatever it prints next comes after this call
            LlmCall call = priced(seq, path, requestModel, responseModel, r.status(), stream, usage);
            session.complete(call, estimate, record(seq, ex.getRequestMethod(), path, sent, r, raw));
            ex.sendResponseHeaders(r.status(), b.length == 0 ? -1 : b.length);
            ex.getResponseBody().write(b);
            return call;
        }
        LlmCall call = priced(seq, path, requestModel, responseModel, r.status(), stream, usage);
        session.complete(call, estimate, record(seq, ex.getRequestMethod(), path, sent, r, raw));
        return call;
    }

    private static RecordedCall record(int seq, String method, String path, byte[] body, Upstream.Response r,
            ByteArrayOutputStream raw) {
        return new RecordedCall(seq, method, path, requestNode(body), r.status(), r.contentType(),
                raw.toString(StandardCharsets.UTF_8));
    }

    private LlmCall priced(int seq, String path, String requestModel, String responseModel, int status, boolean stream,
            Usage usage) {
        boolean ok = status / 100 == 2;
        Usage u = usage == null ? Usage.ZERO : usage;
        String priced = pricing.pricedModel(responseModel, requestModel);
        String error = !ok ? "upstream_status" : usage == null ? "no_usage" : priced == null ? "no_price" : null;
        return new LlmCall(seq, path, requestModel, responseModel, priced, status, stream, u.promptTokens(),
                u.cachedPromptTokens(), u.completionTokens(), pricing.cost(priced, u), error);
    }

    private record SseResult(Usage usage, String model) {
    }

    /**
     * Copies server-sent events to the agent one event at a time (flushing each), reading
     * {@code usage} and {@code model} from the JSON data lines; with {@code dropUsageChunk}, the
     * usage-only chunk the proxy asked for is not passed on.
     */
    private static SseResult relayStream(InputStream in, OutputStream out, boolean dropUsageChunk, ByteArrayOutputStream raw)
            throws IOException {
        Usage usage = null;
        String model = null;
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean drop = false;
        long total = 0;
        int c;
        while ((c = in.read()) != -1) {
            if (++total > MAX_RESPONSE_BYTES) {
                throw new IOException("streamed response over " + MAX_RESPONSE_BYTES + " bytes");
            }
            raw.write(c);
            line.write(c);
            if (c != '\n') {
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8).strip();
            event.write(line.toByteArray());
            line.reset();
            if (text.startsWith("data:")) {
                String data = text.substring(5).strip();
                if (!data.equals("[DONE]")) {
                    JsonNode chunk = requestNode(data.getBytes(StandardCharsets.UTF_8));
                    Usage u = Usage.in(chunk).orElse(null);
                    if (u != null) {
                        usage = u;
                        drop = dropUsageChunk && chunk.path("choices").isArray() && chunk.path("choices").isEmpty();
                    }
                    if (chunk.path("model").isTextual()) {
                        model = chunk.path("model").asText();
                    }
                }
            }
            if (text.isEmpty()) {
                if (!drop) {
                    out.write(event.toByteArray());
                    out.flush();
                }
                event.reset();
                drop = false;
            }
        }
        event.write(line.toByteArray());
        if (event.size() > 0 && !drop) {
            out.write(event.toByteArray());
        }
        out.flush();
        return new SseResult(usage, model);
    }

    private static String bearer(HttpExchange ex) {
        String a = ex.getRequestHeaders().getFirst("Authorization");
        if (a != null && a.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return a.substring(7).strip();
        }
        String k = ex.getRequestHeaders().getFirst("api-key");
        return k == null ? "" : k.strip();
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private static byte[] readAll(InputStream in, long cap) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) != -1) {
            b.write(buf, 0, n);
            if (b.size() > cap) {
                throw new IOException("body over " + cap + " bytes");
            }
        }
        return b.toByteArray();
    }

    /** Sessions whose token is valid now. */
    int openSessions() {
        return sessions.size();
    }
}

package dev.metaorch.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.experiment.RunState;
import dev.metaorch.experiment.RunStateSource;
import dev.metaorch.results.FolderResults;
import dev.metaorch.results.ResultStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code metaorch serve}: the dashboard over one results folder or team store (a
 * {@link ResultStore}), on the JDK's HTTP server.
 * Server-rendered HTML, one small script and one style sheet from the jar (nothing fetched from
 * elsewhere, works offline). A run's live state comes from {@link RunStateSource} as JSON
 * ({@code /api/run/ID}, with an ETag) and as server-sent events ({@code /api/run/ID/events}).
 * Every request passes {@link RequestGuard} first.
 */
public final class DashboardServer implements AutoCloseable {
    /** How often a live stream looks for new sessions. */
    static final long STREAM_POLL_MS = 400;
    /** A comment line keeps idle streams open through proxies. */
    static final long HEARTBEAT_MS = 15_000;

    private final HttpServer server;
    private final ExecutorService pool;
    private final RequestGuard guard;
    private final RunStateSource source;
    private final Pages pages;
    private volatile boolean stopping;

    private DashboardServer(HttpServer server, ExecutorService pool, RequestGuard guard, RunStateSource source) {
        this.server = server;
        this.pool = pool;
        this.guard = guard;
        this.source = source;
        this.pages = new Pages(source);
    }

    /**
     * Binds and starts. A non-loopback {@code bind} needs a {@code token} (exit-2 error
     * otherwise); {@code port} 0 picks a free port.
     */
    public static DashboardServer start(Path results, InetAddress bind, int port, String token) throws IOException {
        return start(new FolderResults(results), bind, port, token);
    }

    /** As {@link #start(Path, InetAddress, int, String)}, over any results; the caller closes {@code results}. */
    public static DashboardServer start(ResultStore results, InetAddress bind, int port, String token) throws IOException {
        if (!bind.isLoopbackAddress() && (token == null || token.isBlank())) {
            throw MetaorchException.invalidInput("--bind " + bind.getHostAddress()
                    + ": listening beyond loopback needs --token (anyone on the network could read the results)");
        }
        if (token != null && token.length() < 16) {
            throw MetaorchException.invalidInput("--token: must be at least 16 characters, got " + token.length());
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        } catch (java.net.BindException e) {
            throw MetaorchException.invalidInput("--port " + port + ": cannot listen on " + bind.getHostAddress() + ":"
                    + port + " (" + e.getMessage() + "); pick another port, or 0 for a free one");
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 48, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "metaorch-serve-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(pool);
        int actual = server.getAddress().getPort();
        DashboardServer d = new DashboardServer(server, pool, new RequestGuard(RequestGuard.hostsFor(bind, actual), token),
                new RunStateSource(results, Clock.systemUTC()));
        server.createContext("/", d::handle);
        server.start();
        return d;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The URL to open (with the token, when there is one, so the browser gets its cookie). */
    public String url(String token) {
        InetAddress a = server.getAddress().getAddress();
        String host = a.isAnyLocalAddress() || a.isLoopbackAddress() ? "127.0.0.1"
                : a.getHostAddress().contains(":") ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return "http://" + host + ":" + port() + "/" + (token == null ? "" : "?token=" + token);
    }

    @Override
    public void close() {
        stopping = true;
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        // not try-with-resources: its close would come before the catch clauses that answer
        try {
            Optional<RequestGuard.Refusal> refusal = guard.check(ex);
            if (refusal.isPresent()) {
                send(ex, refusal.get().status(), "text/plain; charset=utf-8", refusal.get().message() + "\n");
                return;
            }
            if (guard.tokenInQuery(ex)) {
                ex.getResponseHeaders().add("Set-Cookie", guard.cookie());
            }
            route(ex);
        } catch (MetaorchException e) {
            // bad input is the request's (404 for a run that is not there); a failure to read (the store
            // went away) is the server's
            int status = e.exitCode() != dev.metaorch.common.ExitCodes.INVALID_INPUT ? 500
                    : e.getMessage() != null && e.getMessage().contains("no run with that id") ? 404 : 400;
            trySendError(ex, status, e.getMessage());
        } catch (IOException e) {
            // the client went away
        } catch (RuntimeException e) {
            trySendError(ex, 500, String.valueOf(e));
        } finally {
            ex.close();
        }
    }

    /** An error page, unless the response had already begun (then the client sees a cut stream). */
    /** An error as JSON ({@code {"error": …}}) to the JSON API, as a page to a browser. */
    private void trySendError(HttpExchange ex, int status, String message) {
        if (ex.getRequestURI().getPath().startsWith("/api/")) {
            if (ex.getResponseCode() != -1) {
                return;
            }
            try {
                send(ex, status, "application/json; charset=utf-8",
                        Json.line(Json.object().put("error", String.valueOf(message)).put("status", status)) + "\n");
            } catch (IOException e) {
                // the client went away
            }
            return;
        }
        trySend(ex, status, pages.error(status, message));
    }

    private static void trySend(HttpExchange ex, int status, String html) {
        if (ex.getResponseCode() != -1) {
            return;
        }
        try {
            sendHtml(ex, status, html);
        } catch (IOException e) {
            // the client went away
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        Query q = Query.parse(ex.getRequestURI());
        if (path.equals("/")) {
            sendHtml(ex, 200, pages.runs(q.first("experiment")));
        } else if (path.startsWith("/static/")) {
            staticFile(ex, path.substring("/static/".length()));
        } else if (path.startsWith("/api/run/") && path.endsWith("/events")) {
            events(ex, decode(path.substring("/api/run/".length(), path.length() - "/events".length())));
        } else if (path.startsWith("/api/run/")) {
            runJson(ex, decode(path.substring("/api/run/".length())));
        } else if (path.equals("/api/runs")) {
            sendBytes(ex, 200, "application/json", Json.mapper().writeValueAsBytes(source.states()));
        } else if (path.startsWith("/run/") && path.endsWith("/llr.svg")) {
            sendBytes(ex, 200, "image/svg+xml; charset=utf-8",
                    pages.llrChart(source.state(decode(path.substring(5, path.length() - 8)))).getBytes(StandardCharsets.UTF_8));
        } else if (path.startsWith("/run/") && path.endsWith("/sessions")) {
            sendHtml(ex, 200, pages.sessionTable(decode(path.substring(5, path.length() - 9))));
        } else if (path.startsWith("/run/")) {
            sendHtml(ex, 200, pages.run(decode(path.substring(5))));
        } else if (path.equals("/compare")) {
            sendHtml(ex, 200, pages.compare(q.first("a"), q.first("b")));
        } else if (path.equals("/session")) {
            sendHtml(ex, 200, pages.session(q.first("id")));
        } else if (path.equals("/pareto")) {
            sendHtml(ex, 200, pages.pareto(q.all("run"), q.first("all") != null));
        } else if (path.equals("/experiments")) {
            sendHtml(ex, 200, pages.experiments());
        } else if (path.equals("/insights")) {
            sendHtml(ex, 200, pages.insights(q.all("run"), q.first("all") != null));
        } else {
            sendHtml(ex, 404, pages.error(404, "no page at " + path));
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private void runJson(HttpExchange ex, String runId) throws IOException {
        byte[] body = Json.mapper().writeValueAsBytes(source.state(runId));
        String etag = "\"" + Hashing.sha256(new String(body, StandardCharsets.UTF_8)).substring(0, 20) + "\"";
        ex.getResponseHeaders().set("ETag", etag);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
            ex.sendResponseHeaders(304, -1);
            return;
        }
        sendBytes(ex, 200, "application/json", body);
    }

    /** Server-sent events: the state whenever it changes, until the run ends or the client leaves. */
    private void events(HttpExchange ex, String runId) throws IOException {
        RunState first = source.state(runId);
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        security(ex);
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String last = null;
        long lastWrite = System.nanoTime();
        RunState s = first;
        while (!stopping) {
            String json = Json.mapper().writeValueAsString(s);
            if (!json.equals(last)) {
                out.write(("event: state\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                last = json;
                lastWrite = System.nanoTime();
            } else if (System.nanoTime() - lastWrite > HEARTBEAT_MS * 1_000_000) {
                out.write(": heartbeat\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                lastWrite = System.nanoTime();
            }
            if (s.status().ended()) {
                out.write("event: end\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            }
            try {
                Thread.sleep(STREAM_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            s = source.state(runId);
        }
    }

    private void staticFile(HttpExchange ex, String name) throws IOException {
        String type = name.endsWith(".js") ? "text/javascript; charset=utf-8" : name.endsWith(".css") ? "text/css; charset=utf-8"
                : null;
        if (type == null || !name.matches("[a-z0-9-]+\\.(js|css)")) {
            sendHtml(ex, 404, pages.error(404, "no file " + name));
            return;
        }
        try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
            if (in == null) {
                sendHtml(ex, 404, pages.error(404, "no file " + name));
                return;
            }
            sendBytes(ex, 200, type, in.readAllBytes());
        }
    }

    private static void security(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    }

    private static void sendHtml(HttpExchange ex, int status, String html) throws IOException {
        sendBytes(ex, status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        sendBytes(ex, status, type, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void sendBytes(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        security(ex);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}

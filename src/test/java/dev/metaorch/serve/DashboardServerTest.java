package dev.metaorch.serve;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's HTTP surface without a browser: foreign Host and Origin headers are refused,
 * only GET/HEAD, never beyond loopback without a token, the token gate, ETags. Requests go over
 * a raw socket because java.net.http will not send a forged Host header.
 */
class DashboardServerTest {
    @TempDir
    static Path results;
    static DashboardServer server;

    @BeforeAll
    static void start() throws IOException {
        Fixtures.decided(results, "a", "configs/exp_042.json", 42);
        server = DashboardServer.start(results, InetAddress.getLoopbackAddress(), 0, null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Status line and body of one HTTP/1.1 request with exactly these header lines. */
    static String[] get(int port, String path, String... headers) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            return new String[] {all.substring(0, all.indexOf("\r\n")), all.substring(0, end), all.substring(end + 4)};
        }
    }

    private String host() {
        return "Host: 127.0.0.1:" + server.port();
    }

    @Test
    void ownHostIsServed() throws IOException {
        String[] r = get(server.port(), "/", host());
        assertThat(r[0]).contains("200");
        assertThat(r[1]).containsIgnoringCase("Content-Security-Policy: default-src 'self'");
        assertThat(r[2]).contains("/run/a");
        assertThat(get(server.port(), "/", "Host: localhost:" + server.port())[0]).contains("200");
    }

    @Test
    void foreignHostIsRefused() throws IOException {
        // DNS rebinding: a name that resolves to 127.0.0.1 but is not ours
        String[] r = get(server.port(), "/api/run/a", "Host: attacker.example:" + server.port());
        assertThat(r[0]).contains("403");
        assertThat(r[2]).contains("foreign Host").doesNotContain("run_id");
        assertThat(get(server.port(), "/", "Host: 127.0.0.1:1")[0]).contains("403");
        assertThat(get(server.port(), "/")[0]).isNotEmpty().doesNotContain("200");
    }

    @Test
    void foreignOriginIsRefused() throws IOException {
        String[] r = get(server.port(), "/api/run/a", host(), "Origin: http://attacker.example");
        assertThat(r[0]).contains("403");
        assertThat(r[2]).contains("foreign Origin");
        assertThat(get(server.port(), "/api/run/a", host(), "Origin: null")[0]).contains("403");
        assertThat(get(server.port(), "/api/run/a", host(), "Origin: http://127.0.0.1:" + server.port())[0]).contains("200");
    }

    @Test
    void etagAnswers304WhenNothingChanged() throws IOException {
        String[] first = get(server.port(), "/api/run/a", host());
        String etag = first[1].lines().filter(l -> l.toLowerCase().startsWith("etag:")).findFirst().orElseThrow()
                .substring(5).trim();
        assertThat(get(server.port(), "/api/run/a", host(), "If-None-Match: " + etag)[0]).contains("304");
        assertThat(first[2]).contains("\"status\":\"decided\"").contains("\"spend_usd\"");
    }

    @Test
    void unknownRunIsA404AndBadIdA400() throws IOException {
        assertThat(get(server.port(), "/run/nope", host())[0]).contains("404");
        assertThat(get(server.port(), "/session?id=..%2Fx%2F1", host())[0]).contains("400");
        // the JSON API answers errors in JSON, pages in HTML
        String[] api = get(server.port(), "/api/run/nope", host());
        assertThat(api[0]).contains("404");
        assertThat(api[2]).startsWith("{\"error\":").contains("no run with that id").contains("\"status\":404");
    }

    @Test
    void neverBindsBeyondLoopbackWithoutAToken() throws Exception {
        InetAddress any = InetAddress.getByName("0.0.0.0");
        assertThatThrownBy(() -> DashboardServer.start(results, any, 0, null)).isInstanceOf(MetaorchException.class)
                .hasMessageContaining("needs --token");
        CommandResult r = CommandResult.run("serve", "--bind", "0.0.0.0", "--port", "0", "--results", results.toString());
        assertThat(r).exitedWith(2).errContains("--bind 0.0.0.0: listening beyond loopback needs --token").noStackTrace();
    }

    @Test
    void withATokenEveryRequestNeedsIt() throws IOException {
        String token = "0123456789abcdef0123";
        try (DashboardServer s = DashboardServer.start(results, InetAddress.getByName("0.0.0.0"), 0, token)) {
            String h = "Host: 127.0.0.1:" + s.port();
            assertThat(get(s.port(), "/", h)[0]).contains("401");
            assertThat(get(s.port(), "/?token=wrong-wrong-wrong-wrong", h)[0]).contains("401");
            String[] ok = get(s.port(), "/?token=" + token, h);
            assertThat(ok[0]).contains("200");
            assertThat(ok[1].toLowerCase(java.util.Locale.ROOT)).contains("set-cookie: metaorch_token=" + token)
                    .contains("httponly").contains("samesite=strict");
            assertThat(get(s.port(), "/api/run/a", h, "Cookie: metaorch_token=" + token)[0]).contains("200");
            assertThat(get(s.port(), "/api/run/a", h, "Authorization: Bearer " + token)[0]).contains("200");
            assertThat(get(s.port(), "/api/run/a", "Host: evil.example:" + s.port(), "Authorization: Bearer " + token)[0])
                    .contains("403");
        }
    }
}

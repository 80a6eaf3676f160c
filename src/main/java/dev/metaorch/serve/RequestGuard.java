package dev.metaorch.serve;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may talk to the dashboard. Every request needs a {@code Host} header naming this server
 * (a loopback name, or the bound address) — which defeats DNS rebinding — and, when it carries
 * an {@code Origin}, that origin must be this server too (a page on another site cannot read or
 * drive it). Only GET and HEAD. With a token (required for a non-loopback bind), the request
 * must also carry it: {@code ?token=} once (it is then kept in an HttpOnly, SameSite=Strict
 * cookie), the cookie, or {@code Authorization: Bearer}.
 */
final class RequestGuard {
    static final String COOKIE = "metaorch_token";
    private final Set<String> hosts;
    private final byte[] token;

    RequestGuard(Set<String> hosts, String token) {
        this.hosts = Set.copyOf(hosts);
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** The Host values that name a server bound to {@code bind} on {@code port}. */
    static Set<String> hostsFor(InetAddress bind, int port) {
        Set<String> names = new TreeSet<>();
        names.add("localhost");
        names.add("127.0.0.1");
        names.add("[::1]");
        if (!bind.isLoopbackAddress()) {
            names.add(literal(bind));
            if (bind.isAnyLocalAddress()) {
                try {
                    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                        Collections.list(ni.getInetAddresses()).forEach(a -> names.add(literal(a)));
                    }
                    names.add(InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT));
                } catch (SocketException | java.net.UnknownHostException e) {
                    // only the names above
                }
            }
        }
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(n + ":" + port));
        return out;
    }

    private static String literal(InetAddress a) {
        String s = a.getHostAddress();
        int pct = s.indexOf('%');
        if (pct >= 0) {
            s = s.substring(0, pct);
        }
        return (s.contains(":") ? "[" + s + "]" : s).toLowerCase(Locale.ROOT);
    }

    /** Why the request is refused (status and message), or empty when it may proceed. */
    Optional<Refusal> check(HttpExchange ex) {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Optional.of(new Refusal(405, "method " + method + " not allowed"));
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT))) {
            return Optional.of(new Refusal(403, "foreign Host header: " + host));
        }
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin != null && !(origin.startsWith("http://") && hosts.contains(origin.substring(7).toLowerCase(Locale.ROOT)))) {
            return Optional.of(new Refusal(403, "foreign Origin header: " + origin));
        }
        if (token != null && !tokenGiven(ex)) {
            return Optional.of(new Refusal(401, "missing or wrong token (open the URL printed by metaorch serve)"));
        }
        return Optional.empty();
    }

    /** True when the token came in the query string (the response then sets the cookie). */
    boolean tokenInQuery(HttpExchange ex) {
        return token != null && matches(Query.parse(ex.getRequestURI()).first("token"));
    }

    String cookie() {
        return COOKIE + "=" + new String(token, StandardCharsets.UTF_8) + "; Path=/; HttpOnly; SameSite=Strict";
    }

    private boolean tokenGiven(HttpExchange ex) {
        if (tokenInQuery(ex)) {
            return true;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Bearer ") && matches(auth.substring(7).trim())) {
            return true;
        }
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(COOKIE + "=") && matches(p.substring(COOKIE.length() + 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean matches(String given) {
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    record Refusal(int status, String message) {
    }
}

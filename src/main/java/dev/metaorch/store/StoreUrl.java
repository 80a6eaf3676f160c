package dev.metaorch.store;

import dev.metaorch.common.MetaorchException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a team store lives: {@code postgresql://[user[:password]@]host[:port]/database[?schema=name]}
 * (libpq's URL form; {@code jdbc:postgresql://…} is accepted too). The {@code schema} parameter
 * keeps several stores in one database (tests use one each); it defaults to {@code metaorch}.
 * Given by {@code --store} or {@code METAORCH_STORE}.
 */
public record StoreUrl(String host, int port, String database, String user, String password, String schema) {
    public static final String ENV = "METAORCH_STORE";
    private static final Pattern IDENT = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public StoreUrl {
        if (!IDENT.matcher(schema).matches()) {
            throw MetaorchException.invalidInput("store URL: schema '" + schema
                    + "' must be a lower-case SQL identifier (letters, digits, _; at most 63)");
        }
        if (schema.startsWith("pg_") || schema.equals("information_schema")) {
            throw MetaorchException.invalidInput("store URL: schema '" + schema + "' is PostgreSQL's own; "
                    + "name one for metaorch (the default is metaorch)");
        }
    }

    /** Parses {@code text}; {@code where} names its origin in the error (--store, METAORCH_STORE). */
    public static StoreUrl parse(String text, String where) {
        String t = text.strip();
        if (t.startsWith("jdbc:")) {
            t = t.substring(5);
        }
        if (!t.startsWith("postgresql://") && !t.startsWith("postgres://")) {
            throw MetaorchException.invalidInput(where + ": expected postgresql://host[:port]/database, got '"
                    + redact(text) + "'");
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw MetaorchException.invalidInput(where + ": not a URL: " + e.getReason() + " in '" + redact(text) + "'");
        }
        if (uri.getRawAuthority() != null && uri.getHost() == null) {
            // java.net.URI gives up on the server part (a port that is not a number, an @ in a password):
            // never fall back to another server
            throw MetaorchException.invalidInput(where + ": cannot read the host and port of '" + redact(text)
                    + "' (a port must be a number; an @ or : in a password must be written %40 or %3A)");
        }
        String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw MetaorchException.invalidInput(where + ": port " + port + " is not in 1..65535 in '" + redact(text) + "'");
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (path.isEmpty() || path.contains("/")) {
            throw MetaorchException.invalidInput(where + ": the URL must name one database, as in postgresql://"
                    + host + ":" + port + "/test, got '" + redact(text) + "'");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] up = uri.getRawUserInfo().split(":", 2);
            user = decode(up[0]);
            password = up.length > 1 ? decode(up[1]) : null;
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                String[] p = kv.split("=", 2);
                if (query.put(decode(p[0]), p.length > 1 ? decode(p[1]) : "") != null) {
                    throw MetaorchException.invalidInput(where + ": URL parameter '" + decode(p[0]) + "' given twice");
                }
            }
        }
        String user2 = query.getOrDefault("user", user);
        String password2 = query.getOrDefault("password", password);
        String schema = query.getOrDefault("schema", query.getOrDefault("currentSchema", "metaorch"));
        for (String key : query.keySet()) {
            if (!key.equals("schema") && !key.equals("currentSchema") && !key.equals("user") && !key.equals("password")) {
                throw MetaorchException.invalidInput(where + ": unknown URL parameter '" + key
                        + "' (known: schema, user, password)");
            }
        }
        try {
            return new StoreUrl(host, port, path, user2, password2, schema);
        } catch (MetaorchException e) {
            throw MetaorchException.invalidInput(where + ": " + e.getMessage().replaceFirst("^store URL: ", ""));
        }
    }

    /** The store named by {@code --store} or, when that is null, by {@code METAORCH_STORE}; null if neither. */
    public static StoreUrl fromOptionOrEnv(String option) {
        if (option != null && !option.isBlank()) {
            return parse(option, "--store");
        }
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? null : parse(env, ENV);
    }

    /** The JDBC URL of the database (the schema is set per connection). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?currentSchema=" + schema
                + "&ApplicationName=metaorch&reWriteBatchedInserts=true";
    }

    /** Who connects: the URL's user, else the OS user (as libpq does). */
    public String userOrDefault() {
        return user != null ? user : System.getProperty("user.name");
    }

    /** The URL with its password hidden, for messages. */
    @Override
    public String toString() {
        return "postgresql://" + (user == null ? "" : user + (password == null ? "" : ":***") + "@") + host + ":" + port
                + "/" + database + "?schema=" + schema;
    }

    /** This store with another schema (tests). */
    public StoreUrl withSchema(String other) {
        return new StoreUrl(host, port, database, user, password, other);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String redact(String s) {
        return s.replaceAll("://([^:@/]+):[^@/]*@", "://$1:***@");
    }
}

package dev.metaorch.testing;

import dev.metaorch.store.PgStore;
import dev.metaorch.store.StoreUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL that store tests use: {@code METAORCH_TEST_STORE}, by default
 * {@code postgresql://127.0.0.1:5432/test} (every machine of the project runs PostgreSQL 15 there
 * with trust authentication). Each call of {@link #freshStore} gives a schema of its own, migrated;
 * {@link Fresh#close} drops it. Unreachable: under {@code CI=true} the test fails with a clear
 * message; elsewhere it is skipped with one line on stderr, so a laptop without PostgreSQL still
 * passes the rest.
 */
public final class TestPostgres {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestPostgres() {
    }

    public static StoreUrl baseUrl() {
        String env = System.getenv("METAORCH_TEST_STORE");
        return StoreUrl.parse(env == null || env.isBlank() ? "postgresql://127.0.0.1:5432/test" : env,
                "METAORCH_TEST_STORE");
    }

    /** Fails (CI) or skips (elsewhere) when PostgreSQL cannot be reached. */
    public static void requireReachable() {
        StoreUrl url = baseUrl();
        Properties p = new Properties();
        p.setProperty("user", url.userOrDefault());
        p.setProperty("connectTimeout", "5");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + url.host() + ":" + url.port() + "/"
                + url.database(), p)) {
            c.isValid(5);
        } catch (SQLException e) {
            String why = "PostgreSQL is not reachable at " + url + " (" + e.getMessage()
                    + "); set METAORCH_TEST_STORE or start PostgreSQL 15 on 127.0.0.1:5432 with a database 'test'";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("CI=true and " + why);
            }
            System.err.println("SKIPPED store test: " + why);
            Assumptions.abort(why);
        }
    }

    /** A store URL whose schema no other test uses (lower-case, unique in this JVM and across JVMs). */
    public static StoreUrl uniqueUrl(String label) {
        String schema = ("t_" + label + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet())
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return baseUrl().withSchema(schema.length() > 63 ? schema.substring(0, 63) : schema);
    }

    /** A migrated store in a schema of its own. */
    public static Fresh freshStore(String label) {
        requireReachable();
        StoreUrl url = uniqueUrl(label);
        PgStore store = PgStore.open(url, 4, false);
        store.migrate();
        return new Fresh(url, store);
    }

    /** A migrated schema; closing drops it and closes the pool. */
    public record Fresh(StoreUrl url, PgStore store) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            try {
                store.dropSchema();
            } finally {
                store.close();
            }
        }
    }
}

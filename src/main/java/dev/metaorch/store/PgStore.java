package dev.metaorch.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.metaorch.common.MetaorchException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * A connection to the team store: a small HikariCP pool (one per process: a worker's claims,
 * records and heartbeats share it) and the schema's migrations (Flyway, scripts under
 * {@code db/metaorch}). Listeners ({@code LISTEN}) get their own connection outside the pool,
 * since a pooled connection would lose its registrations when returned.
 */
public final class PgStore implements AutoCloseable {
    /** The notification channel workers listen on: new attempts were queued. */
    public static final String WORK_CHANNEL = "metaorch_work";
    /** A run stopped launching (decided, interrupted): workers cancel its attempts in flight. */
    public static final String STOP_CHANNEL = "metaorch_stop";
    /** Records landed; the payload is the run id. */
    public static final String DONE_CHANNEL = "metaorch_done";

    private final StoreUrl url;
    private final HikariDataSource pool;
    private final Object outage = new Object();
    /** An outage ({@link #away}) has not ended; when it began, whether and when it was said, when the last one ended. */
    private volatile boolean inOutage;
    private long awaySince;
    private boolean said;
    private long saidAt;
    private boolean wasBack;
    private long backAt;
    private static final long BLIP_NANOS = TimeUnit.SECONDS.toNanos(5);

    private PgStore(StoreUrl url, HikariDataSource pool) {
        this.url = url;
        this.pool = pool;
    }

    /**
     * Connects with a pool of at most {@code poolSize} connections; fails with a one-line error
     * naming the URL when PostgreSQL cannot be reached or the schema was never migrated (unless
     * {@code requireSchema} is false: {@code store migrate}).
     */
    public static PgStore open(StoreUrl url, int poolSize, boolean requireSchema) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url.jdbcUrl());
        c.setUsername(url.userOrDefault());
        if (url.password() != null) {
            c.setPassword(url.password());
        }
        c.setMaximumPoolSize(Math.max(3, poolSize)); // Flyway's checks take connections of their own
        c.setMinimumIdle(1);
        c.setPoolName("metaorch-store");
        c.setConnectionTimeout(10_000);
        // a connection cut by the server (pg_terminate_backend, a restart) is replaced, not handed out
        c.setKeepaliveTime(30_000);
        // fail at once with the driver's own reason (connection refused, no such database, bad password)
        c.setInitializationFailTimeout(1);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(c);
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw MetaorchException.runtime(url + ": cannot connect to PostgreSQL: " + firstLine(cause.getMessage()), e);
        }
        PgStore store = new PgStore(url, ds);
        try (Connection conn = ds.getConnection()) {
            if (requireSchema && !store.migrated(conn)) {
                ds.close();
                throw MetaorchException.invalidInput(url + ": the store has no metaorch schema '" + url.schema()
                        + "' yet; run `metaorch store migrate --store '" + url + "'` first");
            }
        } catch (SQLException e) {
            ds.close();
            throw MetaorchException.runtime(url + ": cannot connect to PostgreSQL: " + firstLine(e.getMessage()), e);
        }
        // after the connection above went back to the pool: Flyway takes its own
        if (requireSchema) {
            MigrationInfoService info = store.flyway().info(); // one look at the schema's history for both checks
            try {
                store.refuseNewerSchema(info);
            } catch (MetaorchException e) {
                ds.close();
                throw e;
            }
            if (info.pending().length > 0) {
                ds.close();
                throw MetaorchException.invalidInput(url + ": the store's schema is older than this metaorch; run "
                        + "`metaorch store migrate --store '" + url + "'` first");
            }
        }
        return store;
    }

    private boolean migrated(Connection conn) throws SQLException {
        try (var ps = conn.prepareStatement(
                "select 1 from information_schema.tables where table_schema = ? and table_name = 'attempts'")) {
            ps.setString(1, url.schema());
            try (var rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public StoreUrl url() {
        return url;
    }

    public DataSource dataSource() {
        return pool;
    }

    /** A pooled connection (auto-commit on). */
    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** A connection of its own, outside the pool, for {@code LISTEN} (the caller closes it). */
    public Connection listenerConnection() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", url.userOrDefault());
        if (url.password() != null) {
            p.setProperty("password", url.password());
        }
        p.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(url.jdbcUrl(), p);
    }

    /** A store migrated by a newer metaorch: its tables may mean what this version does not know. */
    private void refuseNewerSchema(MigrationInfoService info) {
        var future = java.util.Arrays.stream(info.applied())
                .filter(m -> m.getState() == org.flywaydb.core.api.MigrationState.FUTURE_SUCCESS
                        || m.getState() == org.flywaydb.core.api.MigrationState.FUTURE_FAILED)
                .map(m -> "V" + m.getVersion()).toList();
        if (!future.isEmpty()) {
            throw MetaorchException.invalidInput(url + ": the store's schema has migration(s) " + String.join(", ", future)
                    + " that this metaorch does not know: it was migrated by a newer metaorch; use that version");
        }
    }

    /** Applies the pending migrations; returns what it did. */
    public MigrateResult migrate() {
        try (Connection c = connection(); var ps = c.prepareStatement("select count(*) filter (where table_name <> "
                + "'flyway_schema_history'), count(*) filter (where table_name = 'flyway_schema_history') "
                + "from information_schema.tables where table_schema = ?")) {
            ps.setString(1, url.schema());
            try (var rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0 && rs.getLong(2) == 0) {
                    throw MetaorchException.invalidInput(url + ": schema '" + url.schema() + "' already holds tables "
                            + "that are not a metaorch store; name another with ?schema=");
                }
            }
        } catch (SQLException e) {
            throw MetaorchException.runtime(url + ": cannot read schema '" + url.schema() + "': " + firstLine(e.getMessage()), e);
        }
        refuseNewerSchema(flyway().info());
        try {
            return flyway().migrate();
        } catch (org.flywaydb.core.api.FlywayException e) {
            throw MetaorchException.runtime(url + ": migration failed: " + firstLine(e.getMessage()), e);
        }
    }

    private Flyway flyway() {
        return Flyway.configure(PgStore.class.getClassLoader()).dataSource(pool).schemas(url.schema())
                .defaultSchema(url.schema()).createSchemas(true).locations("classpath:db/metaorch")
                .loggers("slf4j").load();
    }

    /** Drops the schema and everything in it (tests). */
    public void dropSchema() throws SQLException {
        try (Connection c = connection(); var st = c.createStatement()) {
            st.execute("drop schema if exists " + url.schema() + " cascade");
        }
    }

    /**
     * True for a failure that waiting out fixes: the connection was cut or refused, the server is
     * shutting down or starting, out of resources, or a transaction lost a serialization race.
     * Anything else (a missing table, a constraint broken) is a fault that retrying repeats.
     */
    public static boolean transientFailure(SQLException e) {
        if (e instanceof java.sql.SQLTransientException || e instanceof java.sql.SQLRecoverableException) {
            return true;
        }
        String state = e.getSQLState();
        // 57P01 admin_shutdown (a fast restart, pg_terminate_backend), 57P02 crash_shutdown (an immediate
        // restart, a backend crashed), 57P03 cannot_connect_now (starting, recovering, shutting down),
        // 57P05 idle_session_timeout; not 57P04 database_dropped, which waiting does not fix
        return state == null || state.startsWith("08") || state.startsWith("53") || state.equals("57P01")
                || state.equals("57P02") || state.equals("57P03") || state.equals("57P05")
                || state.equals("40001") || state.equals("40P01");
    }

    /**
     * A transient failure of {@code what} (the store went away: a restart, a cut connection): the
     * first of an outage is said in one line, then one line a minute while it lasts, however many
     * threads of the process retry meanwhile; {@link #back} ends it. A failure within 5 s of the end
     * of one (another thread's connection that died with the restart) is the same outage: said only
     * if it lasts 5 s. The pool's connections are evicted at each (after a restart every one of them
     * is dead, and one used within the last half second is handed out unchecked).
     */
    public void away(Consumer<String> messages, String what, SQLException e) {
        long now = System.nanoTime();
        String line;
        synchronized (outage) {
            if (!inOutage) {
                inOutage = true;
                awaySince = now;
                saidAt = now;
                said = !(wasBack && now - backAt < BLIP_NANOS);
                if (pool.getHikariPoolMXBean() != null) {
                    pool.getHikariPoolMXBean().softEvictConnections();
                }
                if (!said) {
                    return;
                }
                line = "warning: " + url + ": cannot " + what + " (" + firstLine(e.getMessage())
                        + "); trying again until the store answers";
            } else if (!said && now - awaySince >= BLIP_NANOS) {
                said = true;
                saidAt = now;
                line = "warning: " + url + ": cannot " + what + " (" + firstLine(e.getMessage())
                        + "); trying again until the store answers";
            } else if (said && now - saidAt >= TimeUnit.MINUTES.toNanos(1)) {
                saidAt = now;
                line = "warning: " + url + ": still no answer after " + (now - awaySince) / 1_000_000_000L + " s ("
                        + firstLine(e.getMessage()) + ")";
            } else {
                return;
            }
        }
        messages.accept(line);
    }

    /** The store answered: an outage said by {@link #away} ends, with one line saying how long it lasted. */
    public void back(Consumer<String> messages) {
        if (!inOutage) {
            return;
        }
        long now = System.nanoTime();
        long lasted;
        synchronized (outage) {
            if (!inOutage) {
                return;
            }
            inOutage = false;
            wasBack = true;
            backAt = now;
            if (!said) {
                return;
            }
            lasted = now - awaySince;
        }
        messages.accept(url + ": the store answers again (after " + String.format(java.util.Locale.ROOT, "%.1f",
                lasted / 1e9) + " s)");
    }

    /** Sleeps {@code ms} (a retry's back-off); an interrupt ends it and stays set. */
    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes a connection that may already be gone. */
    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // already gone
            }
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        pool.close();
    }
}

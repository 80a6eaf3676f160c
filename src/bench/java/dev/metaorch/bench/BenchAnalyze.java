package dev.metaorch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.OperatingSystemMXBean;
import dev.metaorch.cli.CommandFactory;
import dev.metaorch.common.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code scripts/bench-analyze [N=1000000] [rounds=3]}: {@code metaorch analyze --group-by config}
 * against DuckDB (its JDBC driver, added by {@code mvn -Pbench} to the benchmark's classpath only)
 * on the same {@code sessions.jsonl} of N generated sessions ({@code scripts/gen-sessions}), in
 * one JVM (run with -Xmx512m; DuckDB gets the same 512 MB and one thread per core), alternating
 * the two for {@code rounds} rounds after one untimed warm-up each.
 *
 * <p>Both compute the same aggregates per config over the attempts that count (an error,
 * timeout or cancelled record counts only when no other record of its session follows; see
 * {@code SessionSource}): sessions, successes, infrastructure outcomes, escalations, tokens (sum,
 * nearest-rank median and p90), cost, steps, latency (mean, p50, p90), impossible tasks rejected,
 * wasted tokens, step efficiency, tool-call metrics, and per config × task success tallies. The
 * benchmark checks that both sides' figures agree, then prints the median wall time of each side,
 * its CPU time (process CPU, JIT/GC and DuckDB's threads included) and MB/s.
 */
public final class BenchAnalyze {
    private BenchAnalyze() {
    }

    /** The per-config aggregates both sides must agree on. */
    record Figures(long sessions, long successes, long infrastructure, double costUsd, double tokensMedian,
            double tokensP90, double latencyP50, double latencyP90, double latencyMean, double tokensMean) {
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path results = Path.of("target", "bench-analyze");
        String runId = "gen-" + n;
        Path log = results.resolve("runs").resolve(runId).resolve("sessions.jsonl");
        if (!Files.isRegularFile(log)) {
            GenSessions.main(new String[] {Long.toString(n), results.toString(), runId});
        }
        double mb = Files.size(log) / 1e6;
        boolean duck = duckDbPresent();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, Figures> metaorch = metaorch(results, runId); // warm-up
        Map<String, Figures> duckdb = duck ? duckdb(log) : null;
        double[] mWall = new double[rounds];
        double[] mCpu = new double[rounds];
        double[] dWall = new double[rounds];
        double[] dCpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long c0 = os.getProcessCpuTime();
            long w0 = System.nanoTime();
            metaorch = metaorch(results, runId);
            mWall[r] = (System.nanoTime() - w0) / 1e9;
            mCpu[r] = (os.getProcessCpuTime() - c0) / 1e9;
            if (duck) {
                c0 = os.getProcessCpuTime();
                w0 = System.nanoTime();
                duckdb = duckdb(log);
                dWall[r] = (System.nanoTime() - w0) / 1e9;
                dCpu[r] = (os.getProcessCpuTime() - c0) / 1e9;
            }
        }
        System.out.printf(Locale.ROOT, "analyze --group-by config on %,d sessions (%.0f MB), %d rounds after a warm-up, "
                + "same JVM (max heap %d MB), %d cores%n", n, mb, rounds, Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-9s %14s %10s %16s %8s%n", "", "wall (median)", "MB/s", "CPU s (median)", "rounds");
        System.out.printf(Locale.ROOT, "%-9s %12.2f s %10.0f %16.2f %8s%n", "metaorch", median(mWall), mb / median(mWall),
                median(mCpu), fmt(mWall));
        if (duck) {
            System.out.printf(Locale.ROOT, "%-9s %12.2f s %10.0f %16.2f %8s%n", "DuckDB", median(dWall), mb / median(dWall),
                    median(dCpu), fmt(dWall));
            System.out.printf(Locale.ROOT, "metaorch / DuckDB: %.2fx the wall time, %.2fx the CPU time%n",
                    median(mWall) / median(dWall), median(mCpu) / median(dCpu));
            System.out.println("aggregates agree: " + agree(metaorch, duckdb) + " (" + metaorch.size() + " configs); DuckDB "
                    + duckDbVersion() + ", java " + System.getProperty("java.version"));
        } else {
            System.out.println("DuckDB: not measured (its JDBC driver is not on the classpath: run through scripts/bench-analyze)");
        }
    }

    static Map<String, Figures> metaorch(Path results, String runId) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CommandFactory.create(new PrintWriter(out, true), new PrintWriter(err, true)).execute("analyze", runId,
                "--results", results.toString(), "--group-by", "config", "--json");
        if (code != 0) {
            throw new IllegalStateException("analyze failed: " + err);
        }
        Map<String, Figures> m = new TreeMap<>();
        for (JsonNode g : Json.mapper().readTree(out.toString()).path("groups")) {
            m.put(g.path("group").asText(), new Figures(g.path("sessions").asLong(), g.path("successes").asLong(),
                    g.path("infrastructure_outcomes").asLong(), g.path("cost_usd").asDouble(),
                    g.path("tokens_median").asDouble(), g.path("tokens_p90").asDouble(), g.path("latency_ms_p50").asDouble(),
                    g.path("latency_ms_p90").asDouble(), g.path("latency_ms_mean").asDouble(), g.path("tokens_mean").asDouble()));
        }
        return m;
    }

    static boolean duckDbPresent() {
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static String duckDbVersion() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT version()")) {
            return rs.next() ? rs.getString(1) : "?";
        }
    }

    /** Nearest-rank quantile, as ArmStats computes it: the ceil(q·n)-th smallest value. */
    static String nearestRank(String column, double q) {
        return String.format(Locale.ROOT, "list_sort(list(%s) FILTER (WHERE NOT infra))"
                + "[greatest(1, cast(ceil(%s * count(*) FILTER (WHERE NOT infra)) AS BIGINT))]", column, q);
    }

    static Map<String, Figures> duckdb(Path log) throws SQLException {
        String file = log.toAbsolutePath().toString().replace("'", "''");
        String counted = "SELECT * FROM s WHERE NOT infra UNION ALL (SELECT * FROM s AS i WHERE infra"
                + " AND NOT EXISTS (SELECT 1 FROM s AS later WHERE later.session_id = i.session_id AND NOT later.infra)"
                + " QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY attempt DESC) = 1)";
        String source = "SELECT session_id, experiment_id, attempt, outcome, outcome IN ('error', 'timeout', 'cancelled')"
                + " AS infra, success, cost_usd, steps, latency_ms,"
                + " tokens.total AS tokens, task.id AS task_id, task.solvable AS solvable, task.optimal_steps AS optimal,"
                + " metrics.tool_call_count AS tool_calls, metrics.tool_errors AS tool_errors,"
                + " metrics.blocked_calls AS blocked FROM read_json('" + file + "', format = 'newline_delimited', columns = {"
                + "session_id: 'VARCHAR', experiment_id: 'VARCHAR', attempt: 'INTEGER', outcome: 'VARCHAR',"
                + " success: 'BOOLEAN', cost_usd: 'DOUBLE', steps: 'INTEGER', latency_ms: 'BIGINT',"
                + " tokens: 'STRUCT(total BIGINT)', task: 'STRUCT(id VARCHAR, solvable BOOLEAN, optimal_steps INTEGER)',"
                + " metrics: 'STRUCT(tool_call_count BIGINT, tool_errors BIGINT, blocked_calls BIGINT)'})";
        String groups = "SELECT experiment_id, count(*) FILTER (WHERE NOT infra) AS sessions,"
                + " count(*) FILTER (WHERE NOT infra AND success) AS successes,"
                + " count(*) FILTER (WHERE infra) AS infrastructure,"
                + " count(*) FILTER (WHERE outcome = 'escalated') AS escalated,"
                + " sum(tokens) FILTER (WHERE NOT infra) AS tokens, sum(cost_usd) AS cost,"
                + " sum(steps) FILTER (WHERE NOT infra) AS steps,"
                + " avg(latency_ms) FILTER (WHERE NOT infra) AS latency_mean,"
                + " " + nearestRank("tokens", 0.5) + " AS tokens_median, " + nearestRank("tokens", 0.9) + " AS tokens_p90,"
                + " " + nearestRank("latency_ms", 0.5) + " AS latency_p50, " + nearestRank("latency_ms", 0.9) + " AS latency_p90,"
                + " count(*) FILTER (WHERE NOT infra AND NOT coalesce(solvable, true)) AS impossible,"
                + " count(*) FILTER (WHERE NOT infra AND NOT coalesce(solvable, true) AND (outcome = 'rejected' OR success))"
                + " AS rejected_impossible,"
                + " sum(tokens) FILTER (WHERE NOT infra AND ((NOT coalesce(solvable, true) AND NOT (outcome = 'rejected'"
                + " OR success)) OR (coalesce(solvable, true) AND NOT success))) AS wasted,"
                + " sum(least(1.0, optimal / steps)) FILTER (WHERE NOT infra AND coalesce(solvable, true) AND success"
                + " AND optimal > 0 AND steps > 0) AS efficiency_sum,"
                + " count(tool_calls) FILTER (WHERE NOT infra) AS with_tools, sum(tool_calls) FILTER (WHERE NOT infra),"
                + " sum(tool_errors) FILTER (WHERE NOT infra), sum(blocked) FILTER (WHERE NOT infra)"
                + " FROM counted GROUP BY experiment_id ORDER BY experiment_id";
        String perTask = "SELECT experiment_id, task_id, count(*) FILTER (WHERE success), count(*) FROM counted"
                + " WHERE NOT infra AND task_id IS NOT NULL GROUP BY experiment_id, task_id";
        Map<String, Figures> m = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("SET threads = " + Runtime.getRuntime().availableProcessors());
            st.execute("SET memory_limit = '512MB'");
            st.execute("SET preserve_insertion_order = false");
            st.execute("CREATE TEMP TABLE counted AS WITH s AS MATERIALIZED (" + source + ") " + counted);
            try (ResultSet rs = st.executeQuery(groups)) {
                while (rs.next()) {
                    long sessions = rs.getLong("sessions");
                    m.put(rs.getString(1), new Figures(sessions, rs.getLong("successes"), rs.getLong("infrastructure"),
                            rs.getDouble("cost"), rs.getDouble("tokens_median"), rs.getDouble("tokens_p90"),
                            rs.getDouble("latency_p50"), rs.getDouble("latency_p90"), rs.getDouble("latency_mean"),
                            (double) rs.getLong("tokens") / sessions));
                }
            }
            long tallies = 0;
            try (ResultSet rs = st.executeQuery(perTask)) {
                while (rs.next()) {
                    tallies += rs.getLong(4);
                }
            }
            if (tallies != m.values().stream().mapToLong(Figures::sessions).sum()) {
                throw new IllegalStateException("per-task tallies do not add up");
            }
        }
        return m;
    }

    static boolean agree(Map<String, Figures> a, Map<String, Figures> b) {
        if (!a.keySet().equals(b.keySet())) {
            System.out.println("groups differ: " + a.keySet() + " vs " + b.keySet());
            return false;
        }
        boolean ok = true;
        for (String g : a.keySet()) {
            Figures x = a.get(g);
            Figures y = b.get(g);
            boolean same = x.sessions() == y.sessions() && x.successes() == y.successes()
                    && x.infrastructure() == y.infrastructure() && close(x.costUsd(), y.costUsd())
                    && x.tokensMedian() == y.tokensMedian() && x.tokensP90() == y.tokensP90()
                    && x.latencyP50() == y.latencyP50() && x.latencyP90() == y.latencyP90()
                    && close(x.latencyMean(), y.latencyMean()) && close(x.tokensMean(), y.tokensMean());
            if (!same) {
                System.out.println(g + ": metaorch " + x + "\n" + g + ": DuckDB   " + y);
                ok = false;
            }
        }
        return ok;
    }

    static boolean close(double x, double y) {
        return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String fmt(double[] v) {
        List<String> parts = new ArrayList<>();
        for (double x : v) {
            parts.add(String.format(Locale.ROOT, "%.2f", x));
        }
        return String.join(" ", parts);
    }
}

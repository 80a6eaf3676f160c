package dev.metaorch.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The team store's runs, records, tracker and hash dictionary: the SQL every command shares
 * (coordinator, worker, import, export, {@code experiments --store}). Records and tracker lines
 * are kept as their exact JSON lines, so an export writes back the bytes an import read.
 */
public final class PgRuns {
    private final PgStore store;

    public PgRuns(PgStore store) {
        this.store = store;
    }

    public PgStore store() {
        return store;
    }

    /** A run's row as the store holds it. */
    public record RunRow(String runId, String kind, String state, long seed, long capNanoUsd, long spendNanoUsd,
            long reservedNanoUsd, ObjectNode manifest, ObjectNode runner, String decision, Double llr, long pairs,
            ObjectNode result, String coordinator) {
    }

    /** Inserts a run (nothing when it exists); true when inserted. */
    public boolean insertRun(Connection c, String runId, String kind, String state, long seed, long capNanoUsd,
            JsonNode manifest, JsonNode runner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into runs (run_id, kind, state, seed, cap_nano_usd, "
                + "manifest, runner) values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb) on conflict (run_id) do nothing")) {
            ps.setString(1, runId);
            ps.setString(2, kind);
            ps.setString(3, state);
            ps.setLong(4, seed);
            ps.setLong(5, capNanoUsd);
            ps.setString(6, Json.line(manifest));
            ps.setString(7, Json.line(runner));
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<RunRow> run(String runId) {
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("select run_id, kind, state, "
                + "seed, cap_nano_usd, spend_nano_usd, reserved_nano_usd, manifest::text, runner::text, decision, llr, "
                + "pairs, result::text, coordinator from runs where run_id = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                double llr = rs.getDouble(11);
                Double llrOrNull = rs.wasNull() ? null : llr;
                return Optional.of(new RunRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), object(rs.getString(8)), object(rs.getString(9)),
                        rs.getString(10), llrOrNull, rs.getLong(12), object(rs.getString(13)), rs.getString(14)));
            }
        } catch (SQLException e) {
            throw fail("read run " + runId, e);
        }
    }

    /** Every run id, oldest first. */
    public List<String> runIds() {
        List<String> ids = new ArrayList<>();
        try (Connection c = store.connection(); var rs = c.createStatement()
                .executeQuery("select run_id from runs order by created_at, run_id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw fail("list runs", e);
        }
        return ids;
    }

    /**
     * Stores the arm's spec (what workers run); replaces an earlier one. {@code oneWorker}: its
     * sessions must all run on one worker (ADR-184).
     */
    public void putArm(Connection c, String runId, ArmSpec spec, boolean oneWorker) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into run_arms (run_id, arm, spec, one_worker) "
                + "values (?, ?, ?::jsonb, ?) on conflict (run_id, arm) do update set spec = excluded.spec, "
                + "one_worker = excluded.one_worker")) {
            ps.setString(1, runId);
            ps.setString(2, spec.arm());
            ps.setString(3, Json.line(spec));
            ps.setBoolean(4, oneWorker);
            ps.executeUpdate();
        }
    }

    /** Arms adopted by any of these workers are free again (the workers stopped, or lost attempts). */
    public int releaseArms(Connection c, String runId, List<String> workers) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update run_arms set worker = null where worker = any(?)"
                + (runId == null ? "" : " and run_id = ?"))) {
            ps.setArray(1, c.createArrayOf("text", workers.toArray()));
            if (runId != null) {
                ps.setString(2, runId);
            }
            return ps.executeUpdate();
        }
    }

    public Map<String, ArmSpec> arms(String runId) {
        Map<String, ArmSpec> arms = new LinkedHashMap<>();
        try (Connection c = store.connection();
                PreparedStatement ps = c.prepareStatement("select arm, spec::text from run_arms where run_id = ? order by arm")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    arms.put(rs.getString(1), Json.mapper().readValue(rs.getString(2), ArmSpec.class));
                }
            }
        } catch (SQLException e) {
            throw fail("read the arms of run " + runId, e);
        } catch (IOException e) {
            throw MetaorchException.runtime(store.url() + ": run_arms of " + runId + ": " + e.getMessage(), e);
        }
        return arms;
    }

    /** Stores (replacing) one file of a run folder, by its path relative to the folder. */
    public void putFile(Connection c, String runId, String path, byte[] content) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into run_files (run_id, path, content) values (?, ?, ?) "
                + "on conflict (run_id, path) do update set content = excluded.content")) {
            ps.setString(1, runId);
            ps.setString(2, path);
            ps.setBytes(3, content);
            ps.executeUpdate();
        }
    }

    /** The run's files (path relative to the run folder → bytes). */
    public Map<String, byte[]> files(String runId) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Connection c = store.connection();
                PreparedStatement ps = c.prepareStatement("select path, content from run_files where run_id = ? order by path")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    files.put(rs.getString(1), rs.getBytes(2));
                }
            }
        } catch (SQLException e) {
            throw fail("read the files of run " + runId, e);
        }
        return files;
    }

    /**
     * Inserts records given as their JSON lines; a record whose (run, arm, pair, repeat, attempt)
     * is already stored is left as it is. Returns how many were new. (Their ids need not become
     * visible in id order: the coordinator takes records by marking them collected.)
     */
    public int insertRecords(Connection c, List<SessionRecord> records, List<String> lines) throws SQLException {
        if (records.isEmpty()) {
            return 0;
        }
        // one statement for the batch (unnest of arrays): one round trip, and its count is the new rows
        int size = records.size();
        String[] run = new String[size];
        String[] arm = new String[size];
        Long[] pair = new Long[size];
        Integer[] repeat = new Integer[size];
        Integer[] attempt = new Integer[size];
        String[] session = new String[size];
        String[] outcome = new String[size];
        Long[] cost = new Long[size];
        for (int i = 0; i < size; i++) {
            SessionRecord r = records.get(i);
            run[i] = r.runId();
            arm[i] = r.arm();
            pair[i] = r.pair();
            repeat[i] = r.repeat();
            attempt[i] = r.attempt();
            session[i] = r.sessionId();
            outcome[i] = r.outcome().label();
            cost[i] = r.costNanos();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into records (run_id, arm, pair, repeat, attempt, "
                + "session_id, outcome, cost_nano_usd, record) select * from unnest(?::text[], ?::text[], ?::bigint[], "
                + "?::int[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::text[]) "
                + "on conflict (run_id, arm, pair, repeat, attempt) do nothing")) {
            ps.setArray(1, c.createArrayOf("text", run));
            ps.setArray(2, c.createArrayOf("text", arm));
            ps.setArray(3, c.createArrayOf("bigint", pair));
            ps.setArray(4, c.createArrayOf("int", repeat));
            ps.setArray(5, c.createArrayOf("int", attempt));
            ps.setArray(6, c.createArrayOf("text", session));
            ps.setArray(7, c.createArrayOf("text", outcome));
            ps.setArray(8, c.createArrayOf("bigint", cost));
            ps.setArray(9, c.createArrayOf("text", lines.toArray(new String[0])));
            return ps.executeUpdate();
        }
    }

    /**
     * Streams the run's records in the order they were written; returns the id of the last one
     * (0 when none), after which a reader waiting for more continues.
     */
    public long forEachRecord(String runId, long afterId, Consumer<String> lines) {
        long last = afterId;
        try (Connection c = store.connection()) {
            c.setAutoCommit(false); // lets the driver stream with a fetch size
            try (PreparedStatement ps = c.prepareStatement("select id, record from records where run_id = ? and id > ? "
                    + "order by id")) {
                ps.setFetchSize(2000);
                ps.setString(1, runId);
                ps.setLong(2, afterId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        last = rs.getLong(1);
                        lines.accept(rs.getString(2));
                    }
                }
            } finally {
                c.commit();
            }
        } catch (SQLException e) {
            throw fail("read the records of run " + runId, e);
        }
        return last;
    }

    /**
     * Takes the run's records no coordinator has taken yet, in id order, marking them taken in
     * the same statement. (Reading "after the last id seen" would miss a record whose id was
     * assigned before, but committed after, one already read.) Only while the run row names this
     * process its coordinator: once another coordinator took the run (its lock, while this one's
     * connection was cut), the records are its to take, not this one's.
     */
    public List<String> collectRecords(Connection c, String runId) throws SQLException {
        List<long[]> order = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("update records set collected = true where run_id = ? "
                + "and not collected and exists (select 1 from runs where run_id = ? and coordinator = ?) "
                + "returning id, record")) {
            ps.setString(1, runId);
            ps.setString(2, runId);
            ps.setString(3, StoreCoordinator.hostPid());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    order.add(new long[] {rs.getLong(1), lines.size()});
                    lines.add(rs.getString(2));
                }
            }
        }
        order.sort((a, b) -> Long.compare(a[0], b[0]));
        List<String> sorted = new ArrayList<>(lines.size());
        order.forEach(o -> sorted.add(lines.get((int) o[1])));
        return sorted;
    }

    /** Appends a tracker line (the exact JSON line of results/experiments.jsonl). */
    public void appendTracker(Connection c, String runId, String status, String line) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into tracker (run_id, status, entry) values (?, ?, ?)")) {
            ps.setString(1, runId);
            ps.setString(2, status);
            ps.setString(3, line);
            ps.executeUpdate();
        }
    }

    /** Appends a tracker line, unless that very line is there already (a retry after an answer lost with its connection). */
    public void appendTracker(ObjectNode entry) {
        String line = Json.line(entry);
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("insert into tracker (run_id, "
                + "status, entry) select ?, ?, ? where not exists (select 1 from tracker where run_id = ? and entry = ?)")) {
            ps.setString(1, entry.path("run_id").asText());
            ps.setString(2, entry.path("status").asText());
            ps.setString(3, line);
            ps.setString(4, entry.path("run_id").asText());
            ps.setString(5, line);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("append to the tracker", e);
        }
    }

    /** Every tracker line, in the order written. */
    public List<String> trackerLines() {
        List<String> lines = new ArrayList<>();
        try (Connection c = store.connection(); var rs = c.createStatement()
                .executeQuery("select entry from tracker order by id")) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw fail("read the tracker", e);
        }
        return lines;
    }

    /** One run's tracker lines, in the order written. */
    public List<String> trackerLines(String runId) {
        List<String> lines = new ArrayList<>();
        try (Connection c = store.connection();
                PreparedStatement ps = c.prepareStatement("select entry from tracker where run_id = ? order by id")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw fail("read the tracker lines of run " + runId, e);
        }
        return lines;
    }

    /** How many records the run has. */
    public long recordCount(String runId) {
        try (Connection c = store.connection();
                PreparedStatement ps = c.prepareStatement("select count(*) from records where run_id = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw fail("count the records of run " + runId, e);
        }
    }

    /** Adds hash → text entries of hashes.dict (known hashes are kept); returns how many were new. */
    public int addHashes(Connection c, Map<String, String> entries) throws SQLException {
        if (entries.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into hashes (hash, content) select * from "
                + "unnest(?::text[], ?::text[]) on conflict (hash) do nothing")) {
            ps.setArray(1, c.createArrayOf("text", entries.keySet().toArray(new String[0])));
            ps.setArray(2, c.createArrayOf("text", entries.values().toArray(new String[0])));
            return ps.executeUpdate();
        }
    }

    public Map<String, String> hashes() {
        Map<String, String> m = new LinkedHashMap<>();
        try (Connection c = store.connection(); var rs = c.createStatement()
                .executeQuery("select hash, content from hashes order by hash")) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw fail("read the hash dictionary", e);
        }
        return m;
    }

    /** Records the run's end: state, decision, LLR, pairs and its result.json. */
    public void finish(String runId, String state, String decision, Double llr, long pairs, JsonNode result) {
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("update runs set state = ?, "
                + "decision = ?, llr = ?, pairs = ?, result = ?::jsonb, updated_at = now() where run_id = ?")) {
            ps.setString(1, state);
            ps.setString(2, decision);
            if (llr == null || !Double.isFinite(llr)) {
                ps.setNull(3, java.sql.Types.DOUBLE);
            } else {
                ps.setDouble(3, llr);
            }
            ps.setLong(4, pairs);
            ps.setString(5, result == null ? null : Json.line(result));
            ps.setString(6, runId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("record the end of run " + runId, e);
        }
    }

    MetaorchException fail(String what, SQLException e) {
        return MetaorchException.runtime(store.url() + ": cannot " + what + ": " + PgStore.firstLine(e.getMessage()), e);
    }

    private static ObjectNode object(String json) {
        if (json == null) {
            return null;
        }
        try {
            return (ObjectNode) Json.mapper().readTree(json);
        } catch (IOException e) {
            throw MetaorchException.runtime("store: unreadable JSON: " + e.getMessage(), e);
        }
    }
}

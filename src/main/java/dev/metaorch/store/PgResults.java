package dev.metaorch.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.metaorch.analysis.RunCatalog;
import dev.metaorch.analysis.RunInfo;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.experiment.TrackerSource;
import dev.metaorch.results.RecordFeed;
import dev.metaorch.results.ResultStore;
import dev.metaorch.results.RunEnd;
import dev.metaorch.session.LogProblem;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A team store's runs as a {@link ResultStore}: what {@code --store URL} (or
 * {@code METAORCH_STORE}) gives the readers. A run is its {@code runs} row with the files its
 * coordinator or an import stored ({@code run_files}: run.json, config.ARM.json, ...), its
 * records are the {@code records} table (exact JSONL lines, in id order), the tracker and the hash
 * dictionary are their tables. Whether a live run's coordinator is at work is its PostgreSQL
 * advisory lock (held on the coordinator's own connection, so it goes when that process dies,
 * wherever it ran). Records of a live run are followed by {@link PgRecordFeed}.
 */
public final class PgResults implements ResultStore {
    /**
     * A running row whose lock is free counts as alive for this long after the row last changed:
     * its coordinator is between publishing the run and locking it, or taking the lock back after
     * its connection was cut (within about a second). After that, the coordinator is gone.
     */
    static final Duration LOCK_GRACE = Duration.ofSeconds(10);
    private static final ObjectReader READER = Json.mapper().readerFor(SessionRecord.class);

    private final PgStore store;
    private final PgRuns runs;

    private PgResults(PgStore store) {
        this.store = store;
        this.runs = new PgRuns(store);
    }

    /** Connects (one-line error naming the URL when it cannot, or when the schema is missing or behind). */
    public static PgResults open(StoreUrl url) {
        return new PgResults(PgStore.open(url, 4, true));
    }

    @Override
    public String describe() {
        return store.url().toString();
    }

    @Override
    public List<RunInfo> runs() throws IOException {
        return catalog(null);
    }

    @Override
    public Optional<RunInfo> run(String runId) throws IOException {
        return catalog(runId).stream().findFirst();
    }

    /**
     * The runs (one when {@code only} names it), oldest first, built by the same rules as a folder's
     * ({@link RunCatalog#info}) from their stored run.json (else the row's manifest), config files
     * and first record; a run without a start in them started when its row was made.
     */
    private List<RunInfo> catalog(String only) throws IOException {
        String where = only == null ? "" : " where r.run_id = ?";
        Map<String, Map<String, JsonNode>> configs = new TreeMap<>();
        List<RunInfo> out = new ArrayList<>();
        try (Connection c = store.connection()) {
            try (PreparedStatement ps = c.prepareStatement("select run_id, path, content from run_files r"
                    + (only == null ? " where" : where + " and") + " path like 'config.%.json' and strpos(path, '/') = 0 "
                    + "order by run_id, path")) {
                if (only != null) {
                    ps.setString(1, only);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (RunCatalog.isConfig(rs.getString(2))) {
                            configs.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2),
                                    tree(rs.getBytes(3)));
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select r.run_id, coalesce((select convert_from(content, "
                    + "'UTF8') from run_files f where f.run_id = r.run_id and f.path = 'run.json'), r.manifest::text), "
                    + "(select x.record from records x where x.run_id = r.run_id order by x.id limit 1), r.created_at "
                    + "from runs r" + where)) {
                if (only != null) {
                    ps.setString(1, only);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        out.add(RunCatalog.info(id, tree(rs.getString(2)), configs.getOrDefault(id, Map.of()),
                                tree(rs.getString(3)), rs.getTimestamp(4).toInstant(), null));
                    }
                }
            }
        } catch (SQLException e) {
            throw runs.fail(only == null ? "list the runs" : "read run " + only, e);
        }
        out.sort(java.util.Comparator.comparing(RunInfo::startedAt).thenComparing(RunInfo::runId));
        return out;
    }

    /** The JSON, or null when absent or not JSON (as a folder's catalog skips an unreadable file). */
    private static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode tree(byte[] json) {
        return json == null ? null : tree(new String(json, StandardCharsets.UTF_8));
    }

    /** A stored file; result.json and run.json fall back to the row's (as {@code store export} writes them). */
    @Override
    public Optional<byte[]> file(String runId, String path) {
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement("select (select content "
                + "from run_files where run_id = ? and path = ?), r.result::text, r.manifest::text from runs r "
                + "where r.run_id = ?")) {
            ps.setString(1, runId);
            ps.setString(2, path);
            ps.setString(3, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (rs.getBytes(1) != null) {
                    return Optional.of(rs.getBytes(1));
                }
                String fromRow = path.equals("result.json") ? rs.getString(2) : path.equals("run.json") ? rs.getString(3) : null;
                return Optional.ofNullable(fromRow).map(s -> s.getBytes(StandardCharsets.UTF_8));
            }
        } catch (SQLException e) {
            throw runs.fail("read " + path + " of run " + runId, e);
        }
    }

    @Override
    public List<String> fileNames(String runId) {
        List<String> names = new ArrayList<>();
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(
                "select path from run_files where run_id = ? and strpos(path, '/') = 0 order by path")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw runs.fail("list the files of run " + runId, e);
        }
        return names;
    }

    @Override
    public String place(String runId, String path) {
        return store.url() + ": run " + runId + ": " + path;
    }

    @Override
    public boolean hasRecords(String runId) {
        return runs.recordCount(runId) > 0;
    }

    @Override
    public List<String> runsWithRecords() {
        List<String> ids = new ArrayList<>();
        try (Connection c = store.connection(); var rs = c.createStatement().executeQuery("select run_id from runs r "
                + "where exists (select 1 from records x where x.run_id = r.run_id) order by run_id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw runs.fail("list the runs with records", e);
        }
        return ids;
    }

    /** The records in id order (the order written); a line that is not a record is a problem at its record id. */
    @Override
    public long records(String runId, Consumer<SessionRecord> records, Consumer<LogProblem> problems) {
        long[] bytes = {0};
        long[] n = {0};
        Path where = Path.of("the records of run " + runId);
        runs.forEachRecord(runId, 0, line -> {
            n[0]++;
            long offset = bytes[0];
            bytes[0] += line.getBytes(StandardCharsets.UTF_8).length + 1L;
            try {
                records.accept(READER.readValue(line));
            } catch (IOException e) {
                problems.accept(new LogProblem(where, n[0], offset, "not a session record: "
                        + PgStore.firstLine(e.getMessage()), true));
            }
        });
        return bytes[0];
    }

    @Override
    public RecordFeed follow(String runId) {
        return new PgRecordFeed(store, runId);
    }

    /**
     * One statement, so state, result and lock agree: finished or aborted ends the run; running or
     * stopping is alive while its coordinator holds the run's lock ({@code StoreCoordinator} takes
     * {@code pg_try_advisory_lock(hashtext('metaorch-run:SCHEMA:RUN_ID'))} on a connection of its
     * own; the lock is looked up in {@code pg_locks}, never taken, so a reader cannot keep a
     * coordinator out), or within {@link #LOCK_GRACE} of the row's last change (published, not yet
     * locked).
     */
    @Override
    public RunEnd end(RunInfo run, Duration staleAfter, Instant now) throws IOException {
        String sql = "select r.state, r.result::text, r.coordinator, r.updated_at > now() - make_interval(secs => ?), "
                + "exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted and l.objsubid = 1 "
                + "and l.database = (select oid from pg_database where datname = current_database()) "
                + "and l.classid::bigint = ((k.key >> 32) & 4294967295) and l.objid::bigint = (k.key & 4294967295)), "
                + "(select t.status from tracker t where t.run_id = r.run_id order by t.id desc limit 1), "
                + "(select content from run_files f where f.run_id = r.run_id and f.path = 'result.json') "
                + "from runs r, (select hashtext(?)::bigint as key) k where r.run_id = ?";
        try (Connection c = store.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setDouble(1, LOCK_GRACE.toSeconds());
            ps.setString(2, StoreCoordinator.lockName(store.url(), run.runId()));
            ps.setString(3, run.runId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw MetaorchException.invalidInput("RUN_ID " + run.runId() + ": no run with that id in "
                            + store.url());
                }
                String state = rs.getString(1);
                JsonNode result = rs.getString(2) != null ? tree(rs.getString(2)) : tree(rs.getBytes(7));
                String coordinator = rs.getString(3) == null ? "its coordinator" : rs.getString(3);
                boolean recent = rs.getBoolean(4);
                boolean locked = rs.getBoolean(5);
                boolean aborted = state.equals("aborted") || "aborted".equals(rs.getString(6));
                if (state.equals("finished") || state.equals("aborted")) {
                    return new RunEnd(result, false, aborted, "the store's run row says " + state);
                }
                if (locked) {
                    return new RunEnd(result, true, false, "the run's lock in the store is held (" + coordinator + ")");
                }
                if (recent) {
                    return new RunEnd(result, true, false, rs.getString(3) == null
                            ? "published to the store; its coordinator is taking the run's lock"
                            : "the run's lock in the store is free; its coordinator (" + coordinator + ") counts as gone "
                            + LOCK_GRACE.toSeconds() + " s after the run last changed (it may be reconnecting)");
                }
                return new RunEnd(result, false, aborted, "the run is " + state + " in the store but its lock is free: "
                        + "its coordinator (" + coordinator + ") is gone");
            }
        } catch (SQLException e) {
            throw runs.fail("read the state of run " + run.runId(), e);
        }
    }

    @Override
    public String resumeCommand(String runId) {
        return "metaorch run-experiment --resume " + runId + " --store " + store.url();
    }

    @Override
    public TrackerSource tracker() {
        return new PgTracker(runs);
    }

    @Override
    public Map<String, String> hashes() {
        return new LinkedHashMap<>(runs.hashes());
    }

    @Override
    public Optional<Path> localFolder(String runId) {
        return Optional.empty();
    }

    @Override
    public MetaorchException missingLog(String runId) {
        return MetaorchException.invalidInput("RUN_ID " + runId + ": no records of that run in " + store.url());
    }

    @Override
    public void close() {
        store.close();
    }
}

package dev.metaorch.store;

import dev.metaorch.results.RecordFeed;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Follows one run's records in the team store as they land, for {@code watch --store} and the
 * dashboard, without the coordinator's help (it may be on another machine) and without taking
 * anything from it (the {@code collected} flag is the coordinator's).
 * <p><b>Why not "ids after the last one seen".</b> Record ids come from a sequence drawn when a
 * worker's insert runs, but become visible when its transaction commits: with several writers a
 * record with id 100 can commit after one with id 101 was read, and "id &gt; 101" never sees it.
 * <p><b>How, instead: the snapshot's xmin.</b> Every poll reads in one REPEATABLE READ
 * transaction, so it sees one snapshot S, and notes {@code pg_snapshot_xmin(S)}: every transaction
 * with an id below it had ended when S was taken, so its rows were (if it committed) visible in S.
 * A row that S did not show was therefore written by a transaction with an id at or above
 * {@code xmin(S)}, and its row version carries that id as its {@code xmin} (a later update, such
 * as the coordinator marking it collected, only gives it a newer one). So the next poll asks for
 * the run's rows whose {@code xmin} is at or after the previous poll's snapshot xmin: that is
 * every row the previous polls missed, plus a few they already handed on (rows written or
 * updated by transactions still open then), which are told apart by id. Only their ids cross the
 * wire; the records themselves are fetched once, for the ids not seen yet.
 * <p><b>Cost.</b> A poll of a run with 10,000 records transfers the new records and the ids of
 * the rows touched since the last poll, not the run; PostgreSQL does look at the run's index
 * entries and row headers (a few milliseconds for 10,000). Row xmins are 32-bit and wrap: they
 * are compared with the horizon modulo 2^32 (a row older than 2^31 transactions may look new;
 * its id is then simply recognised as seen). The seen ids are kept in memory (8 bytes and a set
 * entry per record; the replay keeps far more per record).
 */
final class PgRecordFeed implements RecordFeed {
    private final PgStore store;
    private final String runId;
    private final Set<Long> seen = new HashSet<>();
    /** The previous poll's snapshot xmin (a 64-bit xid8); -1 before the first poll. */
    private long horizon = -1;
    private Instant lastWrite;

    PgRecordFeed(PgStore store, String runId) {
        this.store = store;
        this.runId = runId;
    }

    @Override
    public void poll(Consumer<String> lines) {
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                long xmin;
                try (var rs = c.createStatement().executeQuery(
                        "select pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) {
                    rs.next();
                    xmin = rs.getLong(1);
                }
                if (horizon < 0) {
                    try (PreparedStatement ps = c.prepareStatement("select id, record, written_at from records "
                            + "where run_id = ? order by id")) {
                        ps.setFetchSize(2000);
                        ps.setString(1, runId);
                        read(ps, lines);
                    }
                } else {
                    List<Long> fresh = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement("select id from records where run_id = ? "
                            + "and ((xmin::text::bigint - ?) & 4294967295) < 2147483648")) {
                        ps.setFetchSize(10_000);
                        ps.setString(1, runId);
                        ps.setLong(2, horizon & 0xFFFFFFFFL);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                if (!seen.contains(rs.getLong(1))) {
                                    fresh.add(rs.getLong(1));
                                }
                            }
                        }
                    }
                    if (!fresh.isEmpty()) {
                        try (PreparedStatement ps = c.prepareStatement("select id, record, written_at from records "
                                + "where id = any(?) order by id")) {
                            Array ids = c.createArrayOf("bigint", fresh.toArray(new Long[0]));
                            ps.setArray(1, ids);
                            read(ps, lines);
                        }
                    }
                }
                c.commit();
                horizon = xmin;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PgRuns(store).fail("follow the records of run " + runId, e);
        }
    }

    /**
     * Hands on the rows not seen yet, each as it is read. A record counts as seen exactly when it
     * is handed on, and the horizon moves only after a whole poll: a poll cut half-way is redone
     * from the same horizon and hands on only what it had not.
     */
    private void read(PreparedStatement ps, Consumer<String> lines) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (seen.add(rs.getLong(1))) {
                    Timestamp at = rs.getTimestamp(3);
                    if (at != null && (lastWrite == null || at.toInstant().isAfter(lastWrite))) {
                        lastWrite = at.toInstant();
                    }
                    lines.accept(rs.getString(2));
                }
            }
        }
    }

    @Override
    public Instant lastWrite() {
        return lastWrite;
    }
}

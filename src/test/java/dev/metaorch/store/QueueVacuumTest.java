package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueVacuumTest {
    /**
     * ANALYZE writes pg_class.reltuples in the catalog (transactionally, so it is read back at
     * once, unlike the statistics views): -1 means never analysed since the table was created.
     */
    private static double reltuples(TestPostgres.Fresh f, String table) throws SQLException {
        try (Connection c = f.store().connection(); ResultSet rs = c.createStatement().executeQuery(
                "select reltuples from pg_class where oid = '" + f.url().schema() + "." + table + "'::regclass")) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    @Test
    void theQueueTablesAreVacuumedAndAnalysedAfterEveryBatchOfCollectedRecordsAndNotBefore() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("vacuum")) {
            List<String> messages = new ArrayList<>();
            QueueVacuum early = new QueueVacuum(f.store(), messages::add);
            early.collected((int) QueueVacuum.EVERY - 1);
            early.close(); // waits for a vacuum it started: none
            assertThat(reltuples(f, "attempts")).as("not analysed before %d records", QueueVacuum.EVERY).isEqualTo(-1);

            QueueVacuum v = new QueueVacuum(f.store(), messages::add);
            v.collected((int) QueueVacuum.EVERY - 1);
            v.collected(1);
            v.close(); // waits for the vacuum to end
            for (String table : List.of("attempts", "records", "runs", "run_arms")) {
                assertThat(reltuples(f, table)).as(table).isEqualTo(0);
            }
            assertThat(messages).isEmpty();
        }
    }
}

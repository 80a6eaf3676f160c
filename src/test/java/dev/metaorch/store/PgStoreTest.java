package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.testing.TestPostgres;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

class PgStoreTest {
    @Test
    void migrateCreatesTheSchemaOnceAndAgainIsANoOp() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("migrate")) {
            try (Connection c = f.store().connection(); var rs = c.createStatement().executeQuery(
                    "select count(*) from information_schema.tables where table_schema = '" + f.url().schema() + "'"
                            + " and table_name in ('runs','run_arms','run_files','attempts','records','workers','tracker','hashes')")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(8);
            }
            assertThat(f.store().migrate().migrationsExecuted).isZero();
        }
    }

    @Test
    void anUnmigratedSchemaIsRefusedWithTheCommandThatFixesIt() {
        TestPostgres.requireReachable();
        StoreUrl url = TestPostgres.uniqueUrl("nomigrate");
        assertThatThrownBy(() -> PgStore.open(url, 2, true)).isInstanceOf(MetaorchException.class)
                .hasMessageContaining("metaorch store migrate --store " + url);
    }

    @Test
    void urlsParseInLibpqAndJdbcFormAndHideThePassword() {
        StoreUrl u = StoreUrl.parse("postgresql://ann:s3cret@db.example:6543/team?schema=exp_1", "--store");
        assertThat(u.host()).isEqualTo("db.example");
        assertThat(u.port()).isEqualTo(6543);
        assertThat(u.database()).isEqualTo("team");
        assertThat(u.user()).isEqualTo("ann");
        assertThat(u.schema()).isEqualTo("exp_1");
        assertThat(u.toString()).doesNotContain("s3cret");
        assertThat(StoreUrl.parse("jdbc:postgresql://127.0.0.1/test", "x").schema()).isEqualTo("metaorch");
        assertThatThrownBy(() -> StoreUrl.parse("mysql://h/db", "--store")).hasMessageStartingWith("--store: expected");
        assertThatThrownBy(() -> StoreUrl.parse("postgresql://h/db?schema=Bad-Name", "--store"))
                .hasMessageContaining("lower-case SQL identifier");
        assertThatThrownBy(() -> StoreUrl.parse("postgresql://u:pw@h/db?sslmode=x", "--store"))
                .hasMessageContaining("unknown URL parameter 'sslmode'").hasMessageNotContaining("pw@");
    }
}

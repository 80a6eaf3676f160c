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
                .hasMessageContaining("metaorch store migrate --store '" + url + "'");
    }

    @Test
    void aUrlWhoseServerPartCannotBeReadIsRefusedNeverReadAsTheLocalServer() {
        for (String[] c : new String[][] {
            {"postgresql://db.example.invalid:abc/test", "cannot read the host and port"},
            {"postgresql://u:p@w@db.example.invalid:5432/test", "cannot read the host and port"},
            {"postgresql://127.0.0.1:-1/test", "cannot read the host and port"},
            {"postgresql://127.0.0.1:99999/test", "port 99999 is not in 1..65535"},
            {"postgresql://127.0.0.1:0/test", "port 0 is not in 1..65535"},
            {"postgresql://h/test?schema=Bad", "--store: schema 'Bad' must be a lower-case SQL identifier"},
            {"postgresql://h/test?schema=a&schema=b", "URL parameter 'schema' given twice"},
            {"postgresql://h/test?schema=pg_catalog", "schema 'pg_catalog' is PostgreSQL's own"},
            {"postgresql://h/test?schema=information_schema", "is PostgreSQL's own"}}) {
            assertThatThrownBy(() -> StoreUrl.parse(c[0], "--store")).as(c[0]).isInstanceOf(MetaorchException.class)
                    .hasMessageStartingWith("--store: ").hasMessageContaining(c[1]);
        }
        assertThat(StoreUrl.parse("postgresql://u:p%40w@db:6000/test", "--store").password()).isEqualTo("p@w");
    }

    @Test
    void aSchemaWithOtherTablesOrMigratedByANewerMetaorchIsRefused() throws Exception {
        try (TestPostgres.Fresh f = TestPostgres.freshStore("newer")) {
            try (Connection c = f.store().connection()) {
                c.createStatement().executeUpdate("insert into flyway_schema_history (installed_rank, version, "
                        + "description, type, script, checksum, installed_by, execution_time, success) values "
                        + "(99, '99', 'future', 'SQL', 'V99__future.sql', 0, 'test', 0, true)");
            }
            assertThatThrownBy(() -> f.store().migrate()).isInstanceOf(MetaorchException.class)
                    .hasMessageContaining("migration(s) V99 that this metaorch does not know");
            assertThatThrownBy(() -> PgStore.open(f.url(), 3, true)).isInstanceOf(MetaorchException.class)
                    .hasMessageContaining("migrated by a newer metaorch");
        }
        TestPostgres.requireReachable();
        StoreUrl other = TestPostgres.uniqueUrl("other");
        try (PgStore pg = PgStore.open(other, 3, false)) {
            try (Connection c = pg.connection()) {
                c.createStatement().execute("create schema " + other.schema() + "; create table " + other.schema()
                        + ".notours (x int)");
            }
            try {
                assertThatThrownBy(pg::migrate).isInstanceOf(MetaorchException.class)
                        .hasMessageContaining("already holds tables that are not a metaorch store");
            } finally {
                pg.dropSchema();
            }
        }
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

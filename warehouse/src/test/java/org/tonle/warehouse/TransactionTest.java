package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appender writes belong to the transaction: nothing is visible, or survives, before the commit. */
class TransactionTest {

    @Test
    void appendedRowsCommitOrRollBackWithTheTransaction(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"));
             DuckDBConnection writer = warehouse.connect();
             DuckDBConnection reader = warehouse.connect()) {
            try (Statement s = writer.createStatement()) {
                s.execute("CREATE TABLE t (i INTEGER)");
            }
            try (Transaction tx = Transaction.begin(writer)) {
                append(writer, 1);
                assertThat(count(reader)).as("an appended row is invisible before the commit").isZero();
            }
            assertThat(count(reader)).as("rolled back when not committed").isZero();
            try (Transaction tx = Transaction.begin(writer)) {
                append(writer, 2);
                tx.commit();
            }
            assertThat(count(reader)).isEqualTo(1);
        }
    }

    private static void append(DuckDBConnection c, int value) throws SQLException {
        try (DuckDBAppender appender = c.createAppender("t")) {
            appender.beginRow().append(value).endRow();
        }
    }

    private static long count(DuckDBConnection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One DuckDB transaction that statements and Appenders join alike. Why not
 * {@code setAutoCommit(false)}: DuckDB's JDBC driver opens that transaction lazily, at the first
 * statement, and an Appender flushed before any statement commits on its own. Versions could
 * then be durable while their facts were not, and a crash in between would lose records that
 * later re-sends count as duplicates. An explicit {@code BEGIN} closes that gap.
 *
 * <pre>{@code
 * try (Transaction tx = Transaction.begin(connection)) {
 *     ... statements and appenders ...
 *     tx.commit();
 * }   // rolled back unless committed
 * }</pre>
 */
public final class Transaction implements AutoCloseable {

    private final Connection connection;
    private boolean open = true;

    private Transaction(Connection connection) {
        this.connection = connection;
    }

    public static Transaction begin(Connection connection) throws SQLException {
        execute(connection, "BEGIN TRANSACTION");
        return new Transaction(connection);
    }

    public void commit() throws SQLException {
        execute(connection, "COMMIT");
        open = false;
    }

    @Override
    public void close() throws SQLException {
        if (open) {
            open = false;
            execute(connection, "ROLLBACK");
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }
}

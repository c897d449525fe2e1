package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
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

    /** What ends a transaction: COMMIT or ROLLBACK, run on its connection. */
    @FunctionalInterface
    private interface End {
        void run() throws SQLException;
    }

    private final End commit;
    private final End rollback;
    private boolean open = true;

    private Transaction(End commit, End rollback) {
        this.commit = commit;
        this.rollback = rollback;
    }

    public static Transaction begin(Connection connection) throws SQLException {
        execute(connection, "BEGIN TRANSACTION");
        return new Transaction(() -> execute(connection, "COMMIT"), () -> execute(connection, "ROLLBACK"));
    }

    /**
     * The statements of a connection that begins transaction after transaction (the pipeline's
     * writer), prepared once rather than parsed for every commit.
     */
    public static final class Statements implements AutoCloseable {

        private final PreparedStatement begin;
        private final PreparedStatement commit;
        private final PreparedStatement rollback;

        public Statements(Connection connection) throws SQLException {
            this.begin = connection.prepareStatement("BEGIN TRANSACTION");
            this.commit = connection.prepareStatement("COMMIT");
            this.rollback = connection.prepareStatement("ROLLBACK");
        }

        public Transaction begin() throws SQLException {
            begin.execute();
            return new Transaction(commit::execute, rollback::execute);
        }

        @Override
        public void close() throws SQLException {
            begin.close();
            commit.close();
            rollback.close();
        }
    }

    public void commit() throws SQLException {
        commit.run();
        open = false;
    }

    @Override
    public void close() throws SQLException {
        if (open) {
            open = false;
            rollback.run();
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }
}

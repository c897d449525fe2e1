package org.tonle.warehouse;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;

import org.duckdb.DuckDBConnection;

/**
 * A transaction of the office writer's as it stands when the outbox has joined it (its record
 * versions written, its outbox rows appended), on a connection of its own: the tests commit,
 * roll back and report it in the orders they mean to check.
 */
record OpenTransaction(Transaction transaction, RecordStore.CommitHook.Outcome outcome) {

    static OpenTransaction begin(Outbox outbox, DuckDBConnection connection, List<Change> changes) throws SQLException {
        Transaction transaction = Transaction.begin(connection);
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO record_version VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Change c : changes) {
                ps.setObject(1, c.recordId());
                ps.setInt(2, c.version());
                ps.setString(3, c.action().id());
                ps.setString(4, c.contentHash());
                ps.setString(5, c.body());
                ps.setObject(6, c.recordedAt().atOffset(ZoneOffset.UTC));
                ps.setString(7, c.recordedBy());
                ps.setString(8, c.source());
                ps.executeUpdate();
            }
        }
        return new OpenTransaction(transaction, outbox.inTransaction(connection, changes));
    }

    /** Commits and reports it committed, as RecordStore does. */
    void commit() throws SQLException {
        transaction.commit();
        outcome.committed();
    }

    /** Commits, then reports it failed: a COMMIT whose outcome the writer could not know, but durable. */
    void commitAndReportFailed() throws SQLException {
        transaction.commit();
        outcome.failed();
    }

    /** Rolls back and reports it failed. */
    void rollBack() throws SQLException {
        transaction.close();
        outcome.failed();
    }
}

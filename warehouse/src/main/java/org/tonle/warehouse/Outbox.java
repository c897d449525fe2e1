package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The office's durable outbox to headquarters (migration 005-outbox.sql). Changes enter in the
 * transaction that commits them to the office's own warehouse ({@link RecordStore.CommitHook}),
 * so an acknowledged record survives a killed process; they leave only once Kafka acknowledged
 * them. The outbox is bounded: a batch that would overfill it is refused as a whole.
 */
public final class Outbox implements RecordStore.CommitHook {

    /** One change waiting to be forwarded. {@code body} is null for a void. */
    public record Entry(long seq, UUID recordId, int version, String action, String body, String recordedBy, Instant recordedAt) {
    }

    /** How full the outbox is; {@code oldest} is null when it is empty. */
    public record Depth(long count, Instant oldest) {
    }

    private final Warehouse warehouse;
    private final long capacity;

    public Outbox(Warehouse warehouse, long capacity) {
        this.warehouse = warehouse;
        this.capacity = capacity;
    }

    public long capacity() {
        return capacity;
    }

    @Override
    public void inTransaction(DuckDBConnection connection, List<Change> changes) throws SQLException {
        long count;
        long next;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(Sql.load("sql/outbox-depth.sql"))) {
            rs.next();
            count = rs.getLong(1);
            next = rs.getLong(2);
        }
        if (count + changes.size() > capacity) {
            throw new OutboxFullException(count, capacity);
        }
        try (DuckDBAppender appender = connection.createAppender("outbox")) {
            for (Change c : changes) {
                appender.beginRow()
                        .append(next++)
                        .append(c.recordId())
                        .append(c.version())
                        .append(c.action().id())
                        .append(c.body())
                        .append(c.recordedBy())
                        .append(OffsetDateTime.ofInstant(c.recordedAt(), ZoneOffset.UTC))
                        .endRow();
            }
        }
    }

    /** The oldest waiting changes, in commit order. */
    public List<Entry> next(int limit) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/outbox-next.sql"))) {
            ps.setInt(1, limit);
            List<Entry> entries = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(new Entry(rs.getLong(1), rs.getObject(2, UUID.class), rs.getInt(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant()));
                }
            }
            return entries;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the outbox: " + e.getMessage(), e);
        }
    }

    /** Removes every change up to and including {@code seq}, once Kafka acknowledged them. */
    public void remove(long seq) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/outbox-remove.sql"))) {
            ps.setLong(1, seq);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new WarehouseException("cannot remove forwarded changes from the outbox: " + e.getMessage(), e);
        }
    }

    public Depth depth() {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load("sql/outbox-depth.sql"))) {
            rs.next();
            OffsetDateTime oldest = rs.getObject(3, OffsetDateTime.class);
            return new Depth(rs.getLong(1), oldest == null ? null : oldest.toInstant());
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the outbox depth: " + e.getMessage(), e);
        }
    }
}

package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Who read or wrote what, and when, kept in the warehouse (DESIGN.md section 2). */
public final class AuditLog {

    /** One audited call; {@code parameters} is JSON. */
    public record Entry(long id, Instant at, String principal, String role, String action, String endpoint,
                        String parameters, Long rowCount) {
    }

    private final Warehouse warehouse;

    public AuditLog(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** An entry to write; {@code parameters} is JSON. */
    public record Write(String principal, String role, String action, String endpoint, String parameters, Long rowCount) {
    }

    public void record(String principal, String role, String action, String endpoint, String parameters, Long rowCount) {
        try (Connection c = warehouse.connect(); Inserter inserter = new Inserter(c)) {
            inserter.insert(List.of(new Write(principal, role, action, endpoint, parameters, rowCount)));
        } catch (SQLException e) {
            throw new WarehouseException("cannot write the audit log: " + e.getMessage(), e);
        }
    }

    /**
     * Writes entries on one connection, inside whatever transaction it has open, with its
     * statement prepared once: the pipeline's writer audits in every commit, and preparing
     * cost DuckDB more than inserting.
     */
    static final class Inserter implements AutoCloseable {

        private final PreparedStatement insert;

        Inserter(Connection connection) throws SQLException {
            this.insert = connection.prepareStatement(
                    "INSERT INTO audit_log (occurred_at, principal, role, action, endpoint, parameters, row_count) VALUES (now(), ?, ?, ?, ?, ?, ?)");
        }

        void insert(List<Write> entries) throws SQLException {
            for (Write entry : entries) {
                insert.setString(1, entry.principal());
                insert.setString(2, entry.role());
                insert.setString(3, entry.action());
                insert.setString(4, entry.endpoint());
                insert.setString(5, entry.parameters());
                insert.setObject(6, entry.rowCount());
                insert.executeUpdate();
            }
        }

        @Override
        public void close() throws SQLException {
            insert.close();
        }
    }

    /** Newest first; each filter applies when not null. */
    public List<Entry> list(String principal, String action, Instant since, int limit) {
        return list(principal, action, since, null, limit);
    }

    /** Newest first, entries older than the entry {@code before} (a page further back) when it is not null. */
    public List<Entry> list(String principal, String action, Instant since, Long before, int limit) {
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("id < ?", before);
        filters.put("principal = ?", principal);
        filters.put("action = ?", action);
        filters.put("occurred_at >= ?", since == null ? null : OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
        StringBuilder sql = new StringBuilder("SELECT id, occurred_at, principal, role, action, endpoint, parameters, row_count FROM audit_log WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        filters.forEach((condition, value) -> {
            if (value != null) {
                sql.append(" AND ").append(condition);
                parameters.add(value);
            }
        });
        sql.append(" ORDER BY id DESC LIMIT ").append(Math.max(1, Math.min(limit, 10_000)));
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                ps.setObject(i + 1, parameters.get(i));
            }
            List<Entry> entries = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(new Entry(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), (Long) rs.getObject(8)));
                }
            }
            return entries;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the audit log: " + e.getMessage(), e);
        }
    }
}

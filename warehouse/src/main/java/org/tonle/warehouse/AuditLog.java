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
        try (Connection c = warehouse.connect()) {
            insert(c, List.of(new Write(principal, role, action, endpoint, parameters, rowCount)));
        } catch (SQLException e) {
            throw new WarehouseException("cannot write the audit log: " + e.getMessage(), e);
        }
    }

    /** Writes entries on {@code connection}, inside whatever transaction it has open. */
    static void insert(Connection connection, List<Write> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        // One statement for all entries: each statement costs DuckDB a plan, whatever its rows.
        String rows = String.join(", ", java.util.Collections.nCopies(entries.size(), "(now(), ?, ?, ?, ?, ?, ?)"));
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO audit_log (occurred_at, principal, role, action, endpoint, parameters, row_count) VALUES " + rows)) {
            int p = 0;
            for (Write entry : entries) {
                ps.setString(++p, entry.principal());
                ps.setString(++p, entry.role());
                ps.setString(++p, entry.action());
                ps.setString(++p, entry.endpoint());
                ps.setString(++p, entry.parameters());
                ps.setObject(++p, entry.rowCount());
            }
            ps.executeUpdate();
        }
    }

    /** Newest first; each filter applies when not null. */
    public List<Entry> list(String principal, String action, Instant since, int limit) {
        Map<String, Object> filters = new LinkedHashMap<>();
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

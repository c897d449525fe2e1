package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
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
     * statements prepared once: the pipeline's writer audits in every commit, and preparing
     * cost DuckDB more than inserting. A group commit's entries go in one statement of that
     * many rows (up to {@link #ROWS_PER_STATEMENT}): each INSERT has a fixed cost in DuckDB
     * that small HTTP commits felt.
     */
    static final class Inserter implements AutoCloseable {

        static final int ROWS_PER_STATEMENT = 8;
        private static final String COLUMNS =
                "INSERT INTO audit_log (occurred_at, principal, role, action, endpoint, parameters, row_count) VALUES ";
        private static final String ROW = "(now(), ?, ?, ?, ?, ?, ?)";

        private final Connection connection;
        /** The statement inserting {@code i + 1} rows, prepared when first needed. */
        private final PreparedStatement[] inserts = new PreparedStatement[ROWS_PER_STATEMENT];

        Inserter(Connection connection) {
            this.connection = connection;
        }

        void insert(List<Write> entries) throws SQLException {
            for (int from = 0; from < entries.size(); from += ROWS_PER_STATEMENT) {
                List<Write> rows = entries.subList(from, Math.min(entries.size(), from + ROWS_PER_STATEMENT));
                PreparedStatement insert = statement(rows.size());
                int p = 0;
                for (Write entry : rows) {
                    insert.setString(++p, entry.principal());
                    insert.setString(++p, entry.role());
                    insert.setString(++p, entry.action());
                    insert.setString(++p, entry.endpoint());
                    insert.setString(++p, entry.parameters());
                    insert.setObject(++p, entry.rowCount());
                }
                insert.executeUpdate();
            }
        }

        private PreparedStatement statement(int rows) throws SQLException {
            PreparedStatement insert = inserts[rows - 1];
            if (insert == null) {
                insert = connection.prepareStatement(COLUMNS + String.join(", ", Collections.nCopies(rows, ROW)));
                inserts[rows - 1] = insert;
            }
            return insert;
        }

        @Override
        public void close() throws SQLException {
            for (PreparedStatement insert : inserts) {
                if (insert != null) {
                    insert.close();
                }
            }
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

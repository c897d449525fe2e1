package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/** The dead-letter store: rejected records with their reasons, replayable after a fix. */
public final class DeadLetterStore {

    private final Warehouse warehouse;

    public DeadLetterStore(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /**
     * A row's body: a record's body is stored in its first row only (a record with many problems
     * would otherwise store it once per problem), and every row of the record shows it.
     */
    private static final String BODY = "coalesce(body, (SELECT b.body FROM dead_letter b WHERE b.body IS NOT NULL"
            + " AND b.received_at = dead_letter.received_at AND b.source IS NOT DISTINCT FROM dead_letter.source"
            + " AND b.principal IS NOT DISTINCT FROM dead_letter.principal AND b.line IS NOT DISTINCT FROM dead_letter.line"
            + " ORDER BY b.id LIMIT 1)) AS body";

    /** Stores rejections; a record's body goes in the first of its rows only (see {@link #list}). */
    public void add(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        try (DuckDBConnection c = warehouse.connect(); Transaction tx = Transaction.begin(c)) {
            try (PreparedStatement next = c.prepareStatement("SELECT nextval('dead_letter_seq') FROM range(?)");
                 DuckDBAppender appender = c.createAppender("dead_letter")) {
                next.setInt(1, letters.size());
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = next.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                for (int i = 0; i < letters.size(); i++) {
                    DeadLetter d = letters.get(i);
                    appender.beginRow()
                            .append(ids.get(i))
                            .append(OffsetDateTime.ofInstant(d.receivedAt(), ZoneOffset.UTC))
                            .append(d.principal())
                            .append(d.source())
                            .append(d.line())
                            .append(d.recordId())
                            .append(d.program())
                            .append(d.office())
                            .append(d.field())
                            .append(d.rule())
                            .append(d.reason())
                            .append(d.body())
                            .append("open")
                            .append(d.lineLength())
                            .append(d.lineHash())
                            .endRow();
                }
            }
            tx.commit();
        } catch (SQLException e) {
            throw new WarehouseException("cannot store " + letters.size() + " rejected records: " + e.getMessage(), e);
        }
    }

    /**
     * Open and past rejections, newest first.
     *
     * @param offices only these offices when not null
     * @param sender  with {@code offices}: also the records without a known office that this
     *                principal sent (a malformed line names no office)
     */
    public List<DeadLetter> list(List<String> offices, String sender, String status, String program, String rule, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, received_at, principal, source, line, record_id, program, office, field, rule, reason, "
                + BODY + ", status, line_length, line_hmac FROM dead_letter WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        if (offices != null) {
            sql.append(" AND (list_contains(?, office) OR (office IS NULL AND principal = ?))");
            parameters.add(offices.toArray(String[]::new));
            parameters.add(sender);
        }
        for (String[] filter : new String[][] {{"status", status}, {"program", program}, {"rule", rule}}) {
            if (filter[1] != null) {
                sql.append(" AND ").append(filter[0]).append(" = ?");
                parameters.add(filter[1]);
            }
        }
        sql.append(" ORDER BY id DESC LIMIT ").append(Math.max(1, Math.min(limit, 10_000)));
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                Object p = parameters.get(i);
                if (p instanceof String[] array) {
                    ps.setArray(i + 1, c.createArrayOf("VARCHAR", array));
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            List<DeadLetter> letters = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    letters.add(new DeadLetter(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3),
                            rs.getString(4), rs.getInt(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                            rs.getString(10), rs.getString(11), rs.getString(12), rs.getObject(14, Integer.class), rs.getString(15),
                            rs.getString(13)));
                }
            }
            return letters;
        } catch (SQLException e) {
            throw new WarehouseException("cannot list rejections: " + e.getMessage(), e);
        }
    }

    public void markStatus(List<Long> ids, String status) {
        if (ids.isEmpty()) {
            return;
        }
        try (Connection c = warehouse.connect();
             PreparedStatement ps = c.prepareStatement("UPDATE dead_letter SET status = ? WHERE list_contains(?, id)")) {
            ps.setString(1, status);
            ps.setArray(2, c.createArrayOf("BIGINT", ids.toArray(Long[]::new)));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new WarehouseException("cannot update rejections: " + e.getMessage(), e);
        }
    }

    /** Why and by whom a rejection was dismissed. */
    public record Dismissal(Instant at, String principal, String reason) {
    }

    /**
     * Dismisses open rejections: their status becomes {@code dismissed} and the reason is kept,
     * in one transaction. Only rows still open change; the number changed is returned.
     */
    public int dismiss(List<Long> ids, String principal, String reason) {
        if (ids.isEmpty()) {
            return 0;
        }
        try (DuckDBConnection c = warehouse.connect(); Transaction tx = Transaction.begin(c)) {
            int changed;
            try (PreparedStatement record = c.prepareStatement("INSERT INTO dead_letter_dismissal (dead_letter_id, dismissed_at, principal, reason)"
                    + " SELECT id, now(), ?, ? FROM dead_letter WHERE status = 'open' AND list_contains(?, id)");
                 PreparedStatement update = c.prepareStatement("UPDATE dead_letter SET status = 'dismissed' WHERE status = 'open' AND list_contains(?, id)")) {
                record.setString(1, principal);
                record.setString(2, reason);
                record.setArray(3, c.createArrayOf("BIGINT", ids.toArray(Long[]::new)));
                record.executeUpdate();
                update.setArray(1, c.createArrayOf("BIGINT", ids.toArray(Long[]::new)));
                changed = update.executeUpdate();
            }
            tx.commit();
            return changed;
        } catch (SQLException e) {
            throw new WarehouseException("cannot dismiss rejections: " + e.getMessage(), e);
        }
    }

    /** The dismissals of these rejections, by rejection id. */
    public Map<Long, Dismissal> dismissals(List<Long> ids) {
        Map<Long, Dismissal> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (Connection c = warehouse.connect();
             PreparedStatement ps = c.prepareStatement("SELECT dead_letter_id, dismissed_at, principal, reason FROM dead_letter_dismissal"
                     + " WHERE list_contains(?, dead_letter_id)")) {
            ps.setArray(1, c.createArrayOf("BIGINT", ids.toArray(Long[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getLong(1), new Dismissal(rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3), rs.getString(4)));
                }
            }
            return found;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read dismissals: " + e.getMessage(), e);
        }
    }
}

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Period cells (office × programme × month) and their states, history, frozen donor figures
 * and revisions (DESIGN.md 9.3). Which cells are approved is also kept in memory: the pipeline
 * asks it for every record.
 */
public final class Periods {

    public static final String OPEN = "open";
    public static final String SUBMITTED = "submitted";
    public static final String APPROVED = "approved";

    /** A stored cell; a cell without a row is open and was never changed. */
    public record CellState(String period, String office, String program, String state, Instant changedAt, String changedBy,
                            String reason) {
    }

    /** One cell going from one state to another. */
    public record Transition(String period, String office, String program, String from, String to, String reason) {
    }

    /** The cells (JSON) of one donor query of an approved programme × month. */
    public record Frozen(String indicator, String office, String by, String cells) {
    }

    /** A re-approval that changed a frozen figure. */
    public record Revision(String period, String program, String indicator, String office, String by, String before, String after,
                           String reason, Instant approvedAt, String approvedBy) {
    }

    private final Warehouse warehouse;
    private final Set<String> approved = ConcurrentHashMap.newKeySet();

    public Periods(Warehouse warehouse) {
        this.warehouse = warehouse;
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT period, office, program FROM period_cell WHERE state = 'approved'")) {
            while (rs.next()) {
                approved.add(key(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the period cells: " + e.getMessage(), e);
        }
    }

    private static String key(String period, String office, String program) {
        return period + "|" + office + "|" + program;
    }

    /** Whether any cell is approved at all (most records then need no lookup). */
    public boolean anyApproved() {
        return !approved.isEmpty();
    }

    /** Whether the cell of this month ({@code yyyy-mm}), office and programme is approved. */
    public boolean approved(String period, String office, String program) {
        return approved.contains(key(period, office, program));
    }

    /** The stored cells of a month, keyed by office and programme ({@code office|program}). */
    public Map<String, CellState> cells(String period) {
        Map<String, CellState> cells = new LinkedHashMap<>();
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT office, program, state, changed_at, changed_by, reason FROM period_cell WHERE period = ? ORDER BY office, program")) {
            ps.setString(1, period);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cells.put(rs.getString(1) + "|" + rs.getString(2), new CellState(period, rs.getString(1), rs.getString(2),
                            rs.getString(3), rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getString(5), rs.getString(6)));
                }
            }
            return cells;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the period cells: " + e.getMessage(), e);
        }
    }

    /** The re-approvals of a month that changed figures, oldest first. */
    public List<Revision> revisions(String period) {
        List<Revision> revisions = new ArrayList<>();
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT program, indicator, office, breakdown, before, after, reason, approved_at, approved_by"
                        + " FROM period_revision WHERE period = ? ORDER BY id")) {
            ps.setString(1, period);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    revisions.add(new Revision(period, rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getObject(8, OffsetDateTime.class).toInstant(),
                            rs.getString(9)));
                }
            }
            return revisions;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the period revisions: " + e.getMessage(), e);
        }
    }

    /** The reason of the latest reopen of any cell of a programme × month, if there was one. */
    public Optional<String> lastReopenReason(String period, String program) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT reason FROM period_event WHERE period = ? AND program = ? AND to_state = 'open' AND reason IS NOT NULL"
                        + " ORDER BY id DESC LIMIT 1")) {
            ps.setString(1, period);
            ps.setString(2, program);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the period history: " + e.getMessage(), e);
        }
    }

    /** The frozen donor figures of one query ({@code office} and {@code by} as '' when none), if approved. */
    public Optional<String> frozen(String period, String indicator, String office, String by) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT cells FROM period_figure WHERE period = ? AND indicator = ? AND office = ? AND breakdown = ?")) {
            ps.setString(1, period);
            ps.setString(2, indicator);
            ps.setString(3, office);
            ps.setString(4, by);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the approved figures: " + e.getMessage(), e);
        }
    }

    /** Every frozen figure of a programme × month, keyed {@code indicator|office|by}. */
    public Map<String, String> frozen(String period, String program) {
        Map<String, String> figures = new LinkedHashMap<>();
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT indicator, office, breakdown, cells FROM period_figure WHERE period = ? AND program = ?")) {
            ps.setString(1, period);
            ps.setString(2, program);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    figures.put(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3), rs.getString(4));
                }
            }
            return figures;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the approved figures: " + e.getMessage(), e);
        }
    }

    /**
     * Applies transitions, replaces the frozen figures of the given programmes of the month
     * (when {@code frozen} names them), records revisions and the audit entry, in one
     * transaction; the in-memory view follows once it committed.
     */
    public void change(String principal, List<Transition> transitions, String period, Map<String, List<Frozen>> frozen,
                       List<Revision> revisions, AuditLog.Write audit) {
        change(principal, transitions, frozen.isEmpty() ? Map.of() : Map.of(period, frozen), revisions, audit);
    }

    /**
     * As above, with frozen figures for several periods: the month's, and those of a quarter
     * or year whose months are then all approved ({@code period → programme → figures}).
     */
    public void change(String principal, List<Transition> transitions, Map<String, Map<String, List<Frozen>>> frozenByPeriod,
                       List<Revision> revisions, AuditLog.Write audit) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        try (Connection c = warehouse.connect()) {
            try (Transaction tx = Transaction.begin(c);
                 PreparedStatement upsert = c.prepareStatement("INSERT OR REPLACE INTO period_cell"
                         + " (period, office, program, state, changed_at, changed_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement event = c.prepareStatement("INSERT INTO period_event"
                         + " (period, office, program, from_state, to_state, changed_at, changed_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement clear = c.prepareStatement("DELETE FROM period_figure WHERE period = ? AND program = ?");
                 PreparedStatement figure = c.prepareStatement("INSERT INTO period_figure"
                         + " (period, program, indicator, office, breakdown, cells, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement revision = c.prepareStatement("INSERT INTO period_revision"
                         + " (period, program, indicator, office, breakdown, before, after, reason, approved_at, approved_by)"
                         + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 AuditLog.Inserter audits = new AuditLog.Inserter(c)) {
                for (Transition t : transitions) {
                    upsert.setString(1, t.period());
                    upsert.setString(2, t.office());
                    upsert.setString(3, t.program());
                    upsert.setString(4, t.to());
                    upsert.setObject(5, now);
                    upsert.setString(6, principal);
                    upsert.setString(7, t.reason());
                    upsert.executeUpdate();
                    event.setString(1, t.period());
                    event.setString(2, t.office());
                    event.setString(3, t.program());
                    event.setString(4, t.from());
                    event.setString(5, t.to());
                    event.setObject(6, now);
                    event.setString(7, principal);
                    event.setString(8, t.reason());
                    event.executeUpdate();
                }
                for (Map.Entry<String, Map<String, List<Frozen>>> byPeriod : frozenByPeriod.entrySet()) {
                    String period = byPeriod.getKey();
                    for (Map.Entry<String, List<Frozen>> programme : byPeriod.getValue().entrySet()) {
                        clear.setString(1, period);
                        clear.setString(2, programme.getKey());
                        clear.executeUpdate();
                        for (Frozen f : programme.getValue()) {
                            figure.setString(1, period);
                            figure.setString(2, programme.getKey());
                            figure.setString(3, f.indicator());
                            figure.setString(4, f.office());
                            figure.setString(5, f.by());
                            figure.setString(6, f.cells());
                            figure.setObject(7, now);
                            figure.executeUpdate();
                        }
                    }
                }
                for (Revision r : revisions) {
                    revision.setString(1, r.period());
                    revision.setString(2, r.program());
                    revision.setString(3, r.indicator());
                    revision.setString(4, r.office());
                    revision.setString(5, r.by());
                    revision.setString(6, r.before());
                    revision.setString(7, r.after());
                    revision.setString(8, r.reason());
                    revision.setObject(9, now);
                    revision.setString(10, principal);
                    revision.executeUpdate();
                }
                audits.insert(List.of(audit));
                tx.commit();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot change the period cells: " + e.getMessage(), e);
        }
        for (Transition t : transitions) {
            if (APPROVED.equals(t.to())) {
                approved.add(key(t.period(), t.office(), t.program()));
            } else {
                approved.remove(key(t.period(), t.office(), t.program()));
            }
        }
    }
}

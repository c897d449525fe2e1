package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The narrative highlights staff record for the monthly report: records of a programme's
 * {@code highlight} activity. Only those marked {@code public} are ever read here, because the
 * report goes to donors (DESIGN.md section 2: the one exception to aggregates only), and the
 * report takes only those a reviewer approved (DESIGN.md 9.3; {@code highlight_review}).
 */
public final class Highlights {

    /** The kinds of highlight a report sets apart (the attribute {@code kind}; {@code highlight} when absent). */
    public static final String CHALLENGE = "challenge";
    public static final String PLAN = "plan";

    /** One public highlight: the office that wrote it, its date, its text and its kind. */
    public record Highlight(String office, LocalDate date, String text, String kind) {
    }

    /**
     * A public highlight as its reviewer sees it; {@code state} is the decision made on its
     * present text ({@code approved}, {@code rejected}) or null when none was.
     */
    public record Reviewed(UUID id, String office, String program, String kind, String text, String textSha256,
                           String state, String reviewedBy, Instant reviewedAt, LocalDate date) {
    }

    /** A reviewer's decision on the text whose hash it names. */
    public record Decision(UUID id, String textSha256, String state, String reason, String overrideReason) {
    }

    public static final String APPROVED = "approved";
    public static final String REJECTED = "rejected";

    private final Warehouse warehouse;

    public Highlights(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** The public highlights of a programme dated from {@code start} (inclusive) to {@code end} (exclusive). */
    public List<Highlight> publicHighlights(String programme, LocalDate start, LocalDate end) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/public-highlights.sql"))) {
            ps.setString(1, programme);
            ps.setObject(2, start);
            ps.setObject(3, end);
            List<Highlight> highlights = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    highlights.add(new Highlight(rs.getString(1), rs.getObject(2, LocalDate.class), rs.getString(3), rs.getString(4)));
                }
            }
            return highlights;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the highlights of " + programme + ": " + e.getMessage(), e);
        }
    }

    /** The public highlights of every programme dated from {@code start} (inclusive) to {@code end} (exclusive). */
    public List<Reviewed> month(LocalDate start, LocalDate end) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/highlights-of-month.sql"))) {
            ps.setObject(1, start);
            ps.setObject(2, end);
            List<Reviewed> highlights = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    OffsetDateTime at = rs.getObject(9, OffsetDateTime.class);
                    highlights.add(new Reviewed(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), at == null ? null : at.toInstant(),
                            rs.getObject(10, LocalDate.class)));
                }
            }
            return highlights;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the highlights: " + e.getMessage(), e);
        }
    }

    /** One public highlight by its record id, as {@link #month} gives it. */
    public Optional<Reviewed> one(UUID id) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/highlight-by-id.sql"))) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                OffsetDateTime at = rs.getObject(9, OffsetDateTime.class);
                return Optional.of(new Reviewed(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), at == null ? null : at.toInstant(),
                        rs.getObject(10, LocalDate.class)));
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the highlight: " + e.getMessage(), e);
        }
    }

    /** Records a decision (replacing an earlier one on the same highlight) and its audit entry in one transaction. */
    public void decide(String reviewer, Decision decision, AuditLog.Write audit) {
        try (Connection c = warehouse.connect()) {
            try (Transaction tx = Transaction.begin(c);
                 PreparedStatement upsert = c.prepareStatement("INSERT OR REPLACE INTO highlight_review"
                         + " (record_id, text_sha256, state, reason, override_reason, reviewed_at, reviewed_by) VALUES (?, ?, ?, ?, ?, ?, ?)");
                 AuditLog.Inserter audits = new AuditLog.Inserter(c)) {
                upsert.setObject(1, decision.id());
                upsert.setString(2, decision.textSha256());
                upsert.setString(3, decision.state());
                upsert.setString(4, decision.reason());
                upsert.setString(5, decision.overrideReason());
                upsert.setObject(6, OffsetDateTime.now(ZoneOffset.UTC));
                upsert.setString(7, reviewer);
                upsert.executeUpdate();
                audits.insert(List.of(audit));
                tx.commit();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot record the review of highlight " + decision.id() + ": " + e.getMessage(), e);
        }
    }
}

package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The narrative highlights staff record for the monthly report: records of a programme's
 * {@code highlight} activity. Only those marked {@code public} are ever read here, because the
 * report goes to donors (DESIGN.md section 2: the one exception to aggregates only).
 */
public final class Highlights {

    /** One public highlight: the office that wrote it, its date and its text. */
    public record Highlight(String office, LocalDate date, String text) {
    }

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
                    highlights.add(new Highlight(rs.getString(1), rs.getObject(2, LocalDate.class), rs.getString(3)));
                }
            }
            return highlights;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the highlights of " + programme + ": " + e.getMessage(), e);
        }
    }
}

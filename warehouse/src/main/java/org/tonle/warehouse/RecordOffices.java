package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Optional;
import java.util.UUID;

/** Which office a live record belongs to, for checking a staff member's scope before a correction or a void. */
public final class RecordOffices {

    private final Warehouse warehouse;

    public RecordOffices(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** The programme, office and day of a live record: the period cell it counts in. */
    public record Placed(String program, String office, LocalDate date) {
    }

    /** Where a live record counts; empty when no live record has this id. */
    public Optional<Placed> placeOf(UUID id) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT program, office, activity_date FROM fact_activity WHERE record_id = ? LIMIT 1")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Placed(rs.getString(1), rs.getString(2), rs.getObject(3, LocalDate.class)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the place of record " + id + ": " + e.getMessage(), e);
        }
    }

    /** Empty when no live record has this id. */
    public Optional<String> officeOf(UUID id) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/record-office.sql"))) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the office of record " + id + ": " + e.getMessage(), e);
        }
    }
}

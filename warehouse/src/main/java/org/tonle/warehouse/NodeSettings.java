package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** Small named facts the warehouse keeps about itself (node_setting). */
public final class NodeSettings {

    /**
     * The token binding the persisted indicator cube to the warehouse state it was written from
     * (docs/INDICATORS.md, "Restart"). Whatever changes facts without storing a record version
     * (the start's repair after a crash) removes it in the same transaction, so that no file
     * written before matches the warehouse.
     */
    public static final String INDICATOR_CUBE_FILE = "indicator_cube_file";

    private final Warehouse warehouse;

    public NodeSettings(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    public Optional<String> get(String name) {
        try (Connection c = warehouse.connect();
             PreparedStatement ps = c.prepareStatement("SELECT value FROM node_setting WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read setting " + name + ": " + e.getMessage(), e);
        }
    }

    public void put(String name, String value) {
        try (Connection c = warehouse.connect();
             PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO node_setting VALUES (?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new WarehouseException("cannot write setting " + name + ": " + e.getMessage(), e);
        }
    }

    /** Removes a setting in the transaction under way on {@code connection}, so that it goes with that transaction's other writes. */
    static void remove(Connection connection, String name) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("DELETE FROM node_setting WHERE name = ?")) {
            ps.setString(1, name);
            ps.executeUpdate();
        }
    }
}

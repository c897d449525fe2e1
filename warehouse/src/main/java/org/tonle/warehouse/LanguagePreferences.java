package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The language each principal chose for the pages (table language_preference). */
public final class LanguagePreferences {

    private final Warehouse warehouse;

    public LanguagePreferences(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    public Optional<String> get(String principal) {
        try (Connection c = warehouse.connect();
             PreparedStatement ps = c.prepareStatement("SELECT language FROM language_preference WHERE principal = ?")) {
            ps.setString(1, principal);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read a language preference: " + e.getMessage(), e);
        }
    }

    public void set(String principal, String language) {
        try (Connection c = warehouse.connect();
             PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO language_preference (principal, language, changed_at) VALUES (?, ?, now())")) {
            ps.setString(1, principal);
            ps.setString(2, language);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new WarehouseException("cannot store a language preference: " + e.getMessage(), e);
        }
    }
}

package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** Which pseudonymous subject keys belong to subjects the warehouse holds (any live record). */
public final class KnownSubjects {

    private final Warehouse warehouse;

    public KnownSubjects(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    public Set<UUID> known(Collection<UUID> keys) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/known-subjects.sql"))) {
            ps.setString(1, keys.stream().map(UUID::toString).collect(Collectors.joining(",")));
            Set<UUID> known = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getObject(1, UUID.class));
                }
            }
            return known;
        } catch (SQLException e) {
            throw new WarehouseException("cannot look subjects up: " + e.getMessage(), e);
        }
    }
}

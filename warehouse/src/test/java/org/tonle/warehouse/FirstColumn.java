package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The first column of a query's rows, as text: what the warehouse tests compare. */
final class FirstColumn {

    private FirstColumn() {
    }

    static List<String> of(Warehouse warehouse, String sql) throws SQLException {
        try (Connection c = warehouse.connect()) {
            return of(c, sql);
        }
    }

    static List<String> of(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}

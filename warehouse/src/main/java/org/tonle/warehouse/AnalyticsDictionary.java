package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.Programme;

/**
 * Keeps the declarations the analytics views need (which attributes are free text, what each
 * indicator counts) in step with the live programmes. A removed programme keeps its rows, as it
 * keeps its data.
 */
public final class AnalyticsDictionary {

    private final Warehouse warehouse;

    public AnalyticsDictionary(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /** Synchronised: bundle events arrive on several threads, and DuckDB refuses concurrent writes to one row. */
    public synchronized void sync(List<Programme> programmes) {
        try (Connection c = warehouse.connect()) {
            c.setAutoCommit(false);
            try (Statement clear = c.createStatement();
                 PreparedStatement attribute = c.prepareStatement("INSERT OR REPLACE INTO dim_attribute VALUES (?, ?, ?, ?)");
                 PreparedStatement indicator = c.prepareStatement("INSERT OR REPLACE INTO dim_indicator VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement filter = c.prepareStatement("INSERT INTO dim_indicator_filter VALUES (?, ?, ?)")) {
                Set<String> seen = new HashSet<>();
                for (Programme programme : programmes) {
                    if (!seen.add(programme.id())) {
                        continue;   // one declaration per programme id (the first listed wins)
                    }
                    for (Activity activity : programme.activities()) {
                        for (Attribute a : activity.attributes()) {
                            attribute.setString(1, programme.id());
                            attribute.setString(2, activity.id());
                            attribute.setString(3, a.name());
                            attribute.setString(4, a.type().name().toLowerCase(Locale.ROOT));
                            attribute.executeUpdate();
                        }
                    }
                    for (Indicator i : programme.indicators()) {
                        if (i.measure() == Measure.RATIO) {
                            continue;
                        }
                        for (String activity : i.activity()) {
                            indicator.setString(1, i.code());
                            indicator.setString(2, programme.id());
                            indicator.setString(3, activity);
                            indicator.setString(4, i.measure().name().toLowerCase(Locale.ROOT));
                            indicator.setString(5, i.effectiveUnit());
                            indicator.setString(6, String.valueOf(i.name()));
                            indicator.executeUpdate();
                        }
                        clear.execute("DELETE FROM dim_indicator_filter WHERE code = '" + i.code().replace("'", "''") + "'");
                        for (Map.Entry<String, List<String>> where : i.where().entrySet()) {
                            for (String value : where.getValue()) {
                                filter.setString(1, i.code());
                                filter.setString(2, where.getKey());
                                filter.setString(3, value);
                                filter.executeUpdate();
                            }
                        }
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot record the programme declarations for analytics: " + e.getMessage(), e);
        }
    }
}

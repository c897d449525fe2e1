package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * Keeps the programmes' rows ({@code dim_programme}) and the declarations the analytics views need
 * (which attributes are free text, what each indicator counts) in step with the live programmes.
 * A removed programme keeps its rows, as it keeps its data.
 */
public final class AnalyticsDictionary {

    private static final int ROWS_A_STATEMENT = 200;

    private final Warehouse warehouse;

    public AnalyticsDictionary(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    /**
     * Synchronised: bundle events arrive on several threads, and DuckDB refuses concurrent writes to
     * one row. One statement a table (the declarations' tables in one transaction), not one a row:
     * a statement a row cost a node's start ~0.1 s of its main thread (docs/PERFORMANCE.md, "Start
     * to healthy"). Rows are keyed as the tables are, so a key declared twice keeps its last row, as
     * one upsert after the other did.
     */
    public synchronized void sync(List<Programme> programmes) {
        List<List<String>> names = new ArrayList<>();
        Map<List<String>, List<String>> attributes = new LinkedHashMap<>();
        Map<List<String>, List<String>> indicators = new LinkedHashMap<>();
        Map<String, List<List<String>>> filters = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Programme programme : programmes) {
            if (!seen.add(programme.id())) {
                continue;   // one declaration per programme id (the first listed wins)
            }
            names.add(Arrays.asList(programme.id(), programme.name().toString(), programme.department()));
            for (Activity activity : programme.activities()) {
                for (Attribute a : activity.attributes()) {
                    attributes.put(Arrays.asList(programme.id(), activity.id(), a.name()),
                            Arrays.asList(programme.id(), activity.id(), a.name(), a.type().name().toLowerCase(Locale.ROOT)));
                }
            }
            for (Indicator i : programme.indicators()) {
                if (i.measure() == Measure.RATIO) {
                    continue;
                }
                for (String activity : i.activity()) {
                    indicators.put(Arrays.asList(i.code(), activity), Arrays.asList(i.code(), programme.id(), activity,
                            i.measure().name().toLowerCase(Locale.ROOT), i.effectiveUnit(), String.valueOf(i.name())));
                }
                List<List<String>> rows = new ArrayList<>();
                i.where().forEach((field, values) -> values.forEach(value -> rows.add(Arrays.asList(i.code(), field, value))));
                filters.put(i.code(), rows);
            }
        }
        try (Connection c = warehouse.connect()) {
            // The programmes' own rows first, on their own: a declaration the tables refuse costs
            // the analytics views their update, never the programmes their rows.
            write(c, "INSERT OR REPLACE INTO dim_programme (id, name, department, last_seen) VALUES ", names, "now()");
            c.setAutoCommit(false);
            try {
                write(c, "INSERT OR REPLACE INTO dim_attribute VALUES ", attributes.values());
                write(c, "INSERT OR REPLACE INTO dim_indicator VALUES ", indicators.values());
                // An indicator's filter is replaced whole: the values it no longer lists go.
                for (List<String> codes : chunks(List.copyOf(filters.keySet()))) {
                    try (PreparedStatement delete = c.prepareStatement("DELETE FROM dim_indicator_filter WHERE code IN ("
                            + String.join(", ", Collections.nCopies(codes.size(), "?")) + ")")) {
                        bind(delete, List.of(codes));
                        delete.executeUpdate();
                    }
                }
                write(c, "INSERT INTO dim_indicator_filter VALUES ", filters.values().stream().flatMap(List::stream).toList());
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot record the programmes and their declarations: " + e.getMessage(), e);
        }
    }

    /** {@code insert} with the rows as its values, a few hundred rows a statement. */
    private static void write(Connection c, String insert, Collection<List<String>> rows, String... lastValues) throws SQLException {
        for (List<List<String>> chunk : chunks(List.copyOf(rows))) {
            List<String> values = new ArrayList<>(Collections.nCopies(chunk.get(0).size(), "?"));
            values.addAll(List.of(lastValues));
            String row = "(" + String.join(", ", values) + ")";
            try (PreparedStatement statement = c.prepareStatement(insert + String.join(", ", Collections.nCopies(chunk.size(), row)))) {
                bind(statement, chunk);
                statement.executeUpdate();
            }
        }
    }

    private static void bind(PreparedStatement statement, List<List<String>> rows) throws SQLException {
        int parameter = 1;
        for (List<String> row : rows) {
            for (String value : row) {
                statement.setString(parameter++, value);
            }
        }
    }

    private static <T> List<List<T>> chunks(List<T> all) {
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += ROWS_A_STATEMENT) {
            chunks.add(all.subList(from, Math.min(all.size(), from + ROWS_A_STATEMENT)));
        }
        return chunks;
    }
}

package org.tonle.host.api;

import java.util.ArrayList;
import java.util.List;

import org.tonle.host.http.Table;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorService.Analytics;
import org.tonle.warehouse.indicators.IndicatorService.Values;

/** Indicator answers as tables, for the CSV and Arrow forms of the indicator and analytics endpoints. */
final class IndicatorTables {

    private IndicatorTables() {
    }

    /** The values as a table: period, one column per {@code by} dimension, value, suppressed, revision. */
    static Table table(Values values) {
        return table(List.of(values), values.by(), false);
    }

    /** The analytics answer as a table: indicator, period, one column per dimension, value, suppressed, revision. */
    static Table table(Analytics analytics) {
        return table(analytics.values(), analytics.by(), true);
    }

    private static Table table(List<Values> answers, List<String> by, boolean withIndicator) {
        List<Table.Column> columns = new ArrayList<>();
        if (withIndicator) {
            columns.add(new Table.Column("indicator", Table.Type.TEXT));
        }
        columns.add(new Table.Column("period", Table.Type.TEXT));
        by.forEach(d -> columns.add(new Table.Column(d, Table.Type.TEXT)));
        boolean decimals = answers.stream().flatMap(v -> v.cells().stream())
                .anyMatch(c -> c.value() != null && !(c.value() instanceof Long || c.value() instanceof Integer));
        columns.add(new Table.Column("value", decimals ? Table.Type.NUMBER : Table.Type.INTEGER));
        columns.add(new Table.Column("suppressed", Table.Type.BOOLEAN));
        // approved (the figures frozen at approval) or current (DESIGN.md 9.3), as in the JSON rows.
        columns.add(new Table.Column("revision", Table.Type.TEXT));
        List<List<Object>> rows = new ArrayList<>();
        for (Values values : answers) {
            for (Cell cell : values.cells()) {
                List<Object> row = new ArrayList<>();
                if (withIndicator) {
                    row.add(values.indicator());
                }
                row.add(cell.period());
                by.forEach(d -> row.add(cell.dimensions().get(d)));
                row.add(cell.value());
                row.add(cell.suppressed());
                row.add(values.revisionOf(cell));
                rows.add(row);
            }
        }
        return new Table(columns, rows);
    }

}

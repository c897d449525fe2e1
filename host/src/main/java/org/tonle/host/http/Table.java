package org.tonle.host.http;

import java.util.List;

/** A result as columns and rows, for the CSV and Arrow writers of the HTTP layer. */
public record Table(List<Column> columns, List<List<Object>> rows) {

    public enum Type { TEXT, INTEGER, NUMBER, BOOLEAN }

    public record Column(String name, Type type) {
    }

    public Table {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }
}

package org.tonle.pipelines.imports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.AttributeType;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.pipelines.Validate;
import org.tonle.programme.api.Violation;

/**
 * How a row of a table (a CSV line, a spreadsheet row) under a header in the columns of
 * docs/IMPORTING.md becomes a record in the wire shape of DESIGN.md section 4. Shared by the
 * CSV and xlsx readers, so both read the same columns the same way.
 */
final class RowRecords {

    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");
    private static final Pattern TALLY = Pattern.compile("\\s*([^:;]+?)\\s*:\\s*([^:;]+?)\\s*:\\s*(-?\\d{1,9})\\s*");
    private static final List<String> TOP = List.of("id", "program", "type", "office", "date", "count");
    private static final List<String> SUBJECT = List.of("ref", "role", "sex", "age");

    private final Mapping mapping;
    private final ProgrammeRegistry programmes;
    private final Map<String, String> defaults;
    private final RecordKeys keys;
    private final String unit;

    /**
     * @param keys how ids that are keys become UUIDs; null leaves them (validation rejects them)
     * @param unit what a person calls a row of this file: "line" (CSV) or "row" (a sheet)
     */
    RowRecords(Mapping mapping, ProgrammeRegistry programmes, Map<String, String> defaults, RecordKeys keys, String unit) {
        this.mapping = mapping;
        this.programmes = programmes;
        this.defaults = defaults;
        this.keys = keys;
        this.unit = unit;
    }

    /** The Tonle columns of a header row (null where a mapping drops the column). */
    String[] header(String[] cells) {
        String[] header = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String name = cells[i] == null ? "" : cells[i].trim();
            if (i == 0 && name.startsWith("\uFEFF")) {
                name = name.substring(1);
            }
            header[i] = mapping.column(name);
        }
        return header;
    }

    /** The record of one row; {@code problems} found by the file's reader travel along as rejections. */
    Item item(int line, String[] header, String[] cells, List<Violation> problems) {
        ObjectNode record = JsonNodeFactory.instance.objectNode();
        mapping.constants().forEach((column, value) -> put(record, column, value, problems));
        for (int i = 0; i < Math.min(cells.length, header.length); i++) {
            String column = header[i];
            if (column == null || cells[i] == null) {
                continue;
            }
            String value = cells[i].strip();
            if (value.indexOf('\uFFFD') >= 0) {
                problems.add(new Violation(shown(column), "encoding", shown(column) + " holds bytes that are not UTF-8 text; save the file as UTF-8"));
                continue;
            }
            if (!value.isEmpty()) {
                put(record, column, mapping.value(column, value), problems);
            }
        }
        defaults.forEach((field, value) -> {
            if (!record.hasNonNull(field)) {
                record.put(field, value);
            }
        });
        if (keys != null) {
            Violation key = keys.resolve(record, unit + " " + line);
            if (key != null) {
                problems.add(key);
            }
        }
        typeAttributes(record);
        Item item = Submission.item(line, record);
        problems.forEach(item::reject);
        return item;
    }

    private static void put(ObjectNode record, String column, String value, List<Violation> problems) {
        if (TOP.contains(column)) {
            if (column.equals("count") && INTEGER.matcher(value).matches()) {
                record.put(column, Long.parseLong(value));
            } else {
                record.put(column, value);
            }
        } else if (column.startsWith("subject_") && SUBJECT.contains(column.substring(8))) {
            String field = column.substring(8);
            ObjectNode subject = record.has("subject") ? (ObjectNode) record.get("subject") : record.putObject("subject");
            if (field.equals("age") && INTEGER.matcher(value).matches()) {
                subject.put(field, Long.parseLong(value));
            } else {
                subject.put(field, value);
            }
        } else if (column.startsWith("attr.")) {
            ObjectNode attributes = record.has("attributes") ? (ObjectNode) record.get("attributes") : record.putObject("attributes");
            attributes.put(column.substring(5), value);
        } else if (column.equals("participants")) {
            participants(record, value, problems);
        } else {
            // Not one of ours: validation rejects it by name, so nothing is dropped unseen.
            record.put(column, value);
        }
    }

    /** The compact tally column: {@code taxi_driver:M:12;hotel_staff:F:8}. */
    private static void participants(ObjectNode record, String value, List<Violation> problems) {
        ArrayNode tallies = record.putArray("participants");
        String[] parts = value.split(";");
        for (int p = 0; p < parts.length; p++) {
            String part = parts[p];
            if (part.isBlank()) {
                continue;
            }
            var m = TALLY.matcher(part);
            if (!m.matches()) {
                // The part is not quoted: a case code typed into the wrong column would be stored in the reason.
                problems.add(new Violation("participants", "format", "participants must be written group:sex:count, separated by ';'"
                        + " (e.g. taxi_driver:M:12;hotel_staff:F:8); part " + (p + 1) + " is not"));
                continue;
            }
            ObjectNode tally = tallies.addObject();
            tally.put("group", m.group(1));
            tally.put("sex", m.group(2));
            tally.put("count", Integer.parseInt(m.group(3)));
        }
    }

    /** Cells are text; declared integer and boolean attributes become numbers and booleans. */
    private void typeAttributes(ObjectNode record) {
        if (!record.path("attributes").isObject() || programmes == null) {
            return;
        }
        Activity activity = programmes.programme(record.path("program").asText(""))
                .flatMap(p -> p.activity(record.path("type").asText(""))).orElse(null);
        if (activity == null) {
            return;
        }
        ObjectNode attributes = (ObjectNode) record.get("attributes");
        for (Attribute attribute : activity.attributes()) {
            String text = attributes.path(attribute.name()).isTextual() ? attributes.get(attribute.name()).asText() : null;
            if (text == null) {
                continue;
            }
            if (attribute.type() == AttributeType.INTEGER && INTEGER.matcher(text).matches()) {
                attributes.put(attribute.name(), Long.parseLong(text));
            } else if (attribute.type() == AttributeType.BOOLEAN) {
                switch (text.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "1" -> attributes.put(attribute.name(), true);
                    case "false", "no", "0" -> attributes.put(attribute.name(), false);
                    default -> { }
                }
            }
        }
    }

    /**
     * A column's name as a rejection may repeat it: a header cell is typed by whoever made the
     * sheet, and may hold a case code; such a name is not repeated ({@link Validate#shownName}).
     */
    static String shown(String column) {
        return column.startsWith("attr.") ? "attr." + Validate.shownName(column.substring(5)) : Validate.shownName(column);
    }

    /** Problems of a row, in a list the row's reader may add to. */
    static List<Violation> problems() {
        return new ArrayList<>(2);
    }
}

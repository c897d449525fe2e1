package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import org.tonle.core.Json;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.AttributeType;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.programme.api.Violation;

/**
 * CSV with a header row, in the columns of docs/IMPORTING.md (or another form's columns through
 * a {@link Mapping}), parsed as a stream by jackson-dataformat-csv. Each row becomes a record in
 * the wire shape of DESIGN.md section 4 and then takes the same path as any other record.
 * {@code line} is the row as a spreadsheet numbers it: the header is line 1.
 */
public final class CsvSource implements RecordSource {

    private static final CsvMapper CSV = new CsvMapper();
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");
    private static final Pattern TALLY = Pattern.compile("\\s*([^:;]+?)\\s*:\\s*([^:;]+?)\\s*:\\s*(-?\\d{1,9})\\s*");
    private static final List<String> TOP = List.of("id", "program", "type", "office", "date", "count");
    private static final List<String> SUBJECT = List.of("ref", "role", "sex", "age");

    private final CountingInputStream counted;
    private final Reader reader;
    private final MappingIterator<String[]> rows;
    private final Mapping mapping;
    private final ProgrammeRegistry programmes;
    private final Map<String, String> defaults;
    private String[] header;
    private int line;
    private boolean ended;

    public CsvSource(InputStream in, Mapping mapping, ProgrammeRegistry programmes, Map<String, String> defaults) throws IOException {
        this.counted = new CountingInputStream(in);
        this.reader = new InputStreamReader(counted, StandardCharsets.UTF_8);
        this.mapping = mapping;
        this.programmes = programmes;
        this.defaults = defaults;
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(mapping.separator().charAt(0));
        this.rows = CSV.readerFor(String[].class).with(schema).with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(reader);
    }

    /** Rows are read and made into records here: CSV cells may hold line breaks, so reading is the parsing. */
    @Override
    public Batch read(int max) throws IOException {
        return Batch.of(rows(max));
    }

    private List<Item> rows(int max) throws IOException {
        List<Item> items = new ArrayList<>(Math.min(max, 4096));
        while (items.size() < max && !ended) {
            String[] cells;
            try {
                if (!rows.hasNextValue()) {
                    ended = true;
                    break;
                }
                cells = rows.nextValue();
            } catch (RuntimeJsonMappingException | IOException e) {
                // A broken quote or a file cut off inside a cell: what came before is kept.
                ended = true;
                // The parser's message is not quoted: it can hold the cell text it choked on.
                items.add(Submission.malformed(line + 1, null, "csv", "the CSV cannot be read from line " + (line + 1)
                        + "; is the file cut off or a quote left open?"));
                break;
            }
            line++;
            if (header == null) {
                header(cells);
                continue;
            }
            if (cells.length == 0 || (cells.length == 1 && cells[0].isBlank())) {
                continue;
            }
            items.add(row(cells));
        }
        return items;
    }

    private void header(String[] cells) {
        header = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String name = cells[i].trim();
            if (i == 0 && name.startsWith("\uFEFF")) {
                name = name.substring(1);
            }
            header[i] = mapping.column(name);
        }
    }

    private Item row(String[] cells) {
        ObjectNode record = JsonNodeFactory.instance.objectNode();
        List<Violation> problems = new ArrayList<>();
        if (cells.length != header.length) {
            problems.add(new Violation("", "columns", "line " + line + " has " + cells.length + " cells but the header names "
                    + header.length + " columns" + (cells.length < header.length ? " (a cut-off line?)" : " (a stray separator?)")));
        }
        mapping.constants().forEach((column, value) -> put(record, column, value, problems));
        for (int i = 0; i < Math.min(cells.length, header.length); i++) {
            String column = header[i];
            if (column == null) {
                continue;
            }
            String value = cells[i].strip();
            if (value.indexOf('\uFFFD') >= 0) {
                problems.add(new Violation(column, "encoding", column + " holds bytes that are not UTF-8 text; save the file as UTF-8"));
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
        for (String part : value.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            var m = TALLY.matcher(part);
            if (!m.matches()) {
                problems.add(new Violation("participants", "format", "participants must be written group:sex:count, separated by ';'"
                        + " (e.g. taxi_driver:M:12;hotel_staff:F:8); '" + (part.length() <= 40 ? part.strip() : part.strip().substring(0, 40))
                        + "' is not"));
                continue;
            }
            ObjectNode tally = tallies.addObject();
            tally.put("group", m.group(1));
            tally.put("sex", m.group(2));
            tally.put("count", Integer.parseInt(m.group(3)));
        }
    }

    /** CSV cells are text; declared integer and boolean attributes become numbers and booleans. */
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
                switch (text.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "yes", "1" -> attributes.put(attribute.name(), true);
                    case "false", "no", "0" -> attributes.put(attribute.name(), false);
                    default -> { }
                }
            }
        }
    }

    @Override
    public long bytesRead() {
        return counted.count();
    }

    @Override
    public void close() throws IOException {
        rows.close();
        reader.close();
    }
}

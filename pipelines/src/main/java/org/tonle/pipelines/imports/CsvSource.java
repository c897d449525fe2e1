package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

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

    private final CountingInputStream counted;
    private final Reader reader;
    private final MappingIterator<String[]> lines;
    private final RowRecords rows;
    private String[] header;
    private int line;
    private boolean ended;

    public CsvSource(InputStream in, Mapping mapping, ProgrammeRegistry programmes, Map<String, String> defaults) throws IOException {
        this(in, mapping, programmes, defaults, null);
    }

    /** @param keys how ids that are keys rather than UUIDs become UUIDs (DESIGN.md 9.5) */
    public CsvSource(InputStream in, Mapping mapping, ProgrammeRegistry programmes, Map<String, String> defaults, RecordKeys keys)
            throws IOException {
        this.counted = new CountingInputStream(in);
        this.reader = new InputStreamReader(counted, StandardCharsets.UTF_8);
        this.rows = new RowRecords(mapping, programmes, defaults, keys, "line");
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(mapping.separator().charAt(0));
        this.lines = CSV.readerFor(String[].class).with(schema).with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(reader);
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
                if (!lines.hasNextValue()) {
                    ended = true;
                    break;
                }
                cells = lines.nextValue();
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
                header = rows.header(cells);
                continue;
            }
            if (cells.length == 0 || (cells.length == 1 && cells[0].isBlank())) {
                continue;
            }
            items.add(row(cells));
        }
        return items;
    }

    private Item row(String[] cells) {
        List<Violation> problems = RowRecords.problems();
        if (cells.length != header.length) {
            problems.add(new Violation("", "columns", "line " + line + " has " + cells.length + " cells but the header names "
                    + header.length + " columns" + (cells.length < header.length ? " (a cut-off line?)" : " (a stray separator?)")));
        }
        return rows.item(line, header, cells, problems);
    }

    @Override
    public long bytesRead() {
        return counted.count();
    }

    @Override
    public void close() throws IOException {
        lines.close();
        reader.close();
    }
}

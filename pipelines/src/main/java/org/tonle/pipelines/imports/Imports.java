package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import org.tonle.core.declaration.ProgrammeRegistry;

/** Picks the reader for a file format: NDJSON, CSV or xlsx, the latter two perhaps through a named mapping. */
public final class Imports {

    public enum Format { NDJSON, CSV, XLSX }

    private final ProgrammeRegistry programmes;
    private final Path mappings;
    private final RecordKeys keys;

    /**
     * @param mappings the folder of mapping files ({@code <config>/mappings})
     * @param keys     how ids that are keys become UUIDs in CSV and xlsx files (DESIGN.md 9.5)
     */
    public Imports(ProgrammeRegistry programmes, Path mappings, RecordKeys keys) {
        this.programmes = programmes;
        this.mappings = mappings;
        this.keys = keys;
    }

    /** The format a file name says, or null. {@code .csv}, {@code .xlsx}, {@code .ndjson}, {@code .jsonl}. */
    public static Format formatOf(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return Format.CSV;
        }
        if (name.endsWith(".xlsx")) {
            return Format.XLSX;
        }
        return name.endsWith(".ndjson") || name.endsWith(".jsonl") ? Format.NDJSON : null;
    }

    /**
     * @param mapping  a mapping name for CSV exports of other tools, or null
     * @param defaults fields a record gets when it has none (the inbox's office)
     * @throws IllegalArgumentException for an unknown mapping, with words for the caller
     */
    public RecordSource open(InputStream in, Format format, String mapping, Map<String, String> defaults) throws IOException {
        if (format == Format.NDJSON) {
            if (mapping != null) {
                throw new IllegalArgumentException("mappings apply to CSV and xlsx files only");
            }
            return new NdjsonSource(in, defaults);
        }
        Mapping m = mapping == null ? Mapping.NONE : Mapping.load(mappings, mapping);
        return format == Format.XLSX ? new XlsxSource(in, m, programmes, defaults, keys)
                : new CsvSource(in, m, programmes, defaults, keys);
    }

    /** Whether a mapping of that name exists. */
    public boolean hasMapping(String name) {
        try {
            Mapping.load(mappings, name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

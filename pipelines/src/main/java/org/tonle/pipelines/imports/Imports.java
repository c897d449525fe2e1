package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

import org.tonle.core.declaration.ProgrammeRegistry;

/** Picks the reader for a file format: NDJSON, plain CSV, or CSV through a named mapping. */
public final class Imports {

    public enum Format { NDJSON, CSV }

    private final ProgrammeRegistry programmes;
    private final Path mappings;

    /** @param mappings the folder of mapping files ({@code <config>/mappings}) */
    public Imports(ProgrammeRegistry programmes, Path mappings) {
        this.programmes = programmes;
        this.mappings = mappings;
    }

    /** The format a file name says, or null. {@code .csv}, {@code .ndjson}, {@code .jsonl}. */
    public static Format formatOf(String fileName) {
        String name = fileName.toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".csv")) {
            return Format.CSV;
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
                throw new IllegalArgumentException("mappings apply to CSV files only");
            }
            return new NdjsonSource(in, defaults);
        }
        Mapping m = mapping == null ? Mapping.NONE : Mapping.load(mappings, mapping);
        return new CsvSource(in, m, programmes, defaults);
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

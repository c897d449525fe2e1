package org.tonle.pipelines.imports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * How the columns of someone else's CSV export (a KoboToolbox/XLSForm form, a spreadsheet an
 * office already keeps) become Tonle's import columns (docs/IMPORTING.md). Kept as YAML in
 * {@code <config>/mappings/<name>.yaml}, so a new form needs a file, not code.
 *
 * @param columns  export column → Tonle column ({@code id}, {@code date}, {@code subject_ref},
 *                 {@code attr.channel}, ...)
 * @param values   Tonle column → export value → Tonle value (choice lists to declared values)
 * @param constants Tonle columns every record gets (e.g. {@code program}, {@code type})
 * @param ignoreOtherColumns whether export columns not named in {@code columns} are dropped
 *                 (Kobo adds _index, _submission_time, ...); otherwise they are rejected
 * @param separator the cell separator (Kobo's legacy CSV export uses {@code ;})
 */
public record Mapping(
        String name,
        Map<String, String> columns,
        Map<String, Map<String, String>> values,
        Map<String, String> constants,
        @JsonProperty("ignore_other_columns") boolean ignoreOtherColumns,
        String separator) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    /** The plain import format: every column is one of Tonle's own. */
    public static final Mapping NONE = new Mapping("tonle", Map.of(), Map.of(), Map.of(), false, ",");

    public Mapping {
        columns = columns == null ? Map.of() : new LinkedHashMap<>(columns);
        values = values == null ? Map.of() : new LinkedHashMap<>(values);
        constants = constants == null ? Map.of() : new LinkedHashMap<>(constants);
        separator = separator == null || separator.isEmpty() ? "," : separator;
        if (separator.length() != 1) {
            throw new IllegalArgumentException("separator must be one character");
        }
    }

    /** Reads {@code <dir>/<name>.yaml}; the name is checked so it cannot leave the folder. */
    public static Mapping load(Path dir, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("mapping names are lower-case letters, digits, '-' and '_'");
        }
        Path file = dir.resolve(name + ".yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("there is no mapping '" + name + "' (looked for " + file.getFileName()
                    + " in the configuration's mappings folder)");
        }
        try {
            Mapping m = YAML.readValue(file.toFile(), Mapping.class);
            return new Mapping(m.name() == null ? name : m.name(), m.columns(), m.values(), m.constants(),
                    m.ignoreOtherColumns(), m.separator());
        } catch (IOException e) {
            throw new IllegalArgumentException("the mapping " + file.getFileName() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The Tonle column for an export column, or null to drop it. */
    String column(String exportColumn) {
        String mapped = columns.get(exportColumn);
        if (mapped != null) {
            return mapped;
        }
        return columns.isEmpty() || !ignoreOtherColumns ? exportColumn : null;
    }

    String value(String column, String value) {
        Map<String, String> choices = values.get(column);
        if (choices == null || value == null) {
            return value;
        }
        return choices.getOrDefault(value, value);
    }
}

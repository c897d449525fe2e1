package org.tonle.pipelines.imports;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;

/**
 * NDJSON, one record per line, read as a stream. {@code line} is the line in the file (blank
 * lines count, so an editor's line number matches). A line that is not a JSON object, is cut
 * off, or is not UTF-8 is rejected on its own; the lines around it are kept.
 */
public final class NdjsonSource implements RecordSource {

    private static final ObjectMapper JSON = Json.MAPPER;

    private final CountingInputStream counted;
    private final BufferedReader reader;
    private final Map<String, String> defaults;
    private int line;

    /** @param defaults top-level fields a record gets when it has none (e.g. the inbox's office) */
    public NdjsonSource(InputStream in, Map<String, String> defaults) {
        this.counted = new CountingInputStream(in);
        // Undecodable bytes become U+FFFD, which marks the line as wrongly encoded below.
        this.reader = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16);
        this.defaults = defaults;
    }

    /** Reads the lines here; parsing them (the costly part) is left to whoever calls {@code items()}. */
    @Override
    public Batch read(int max) throws IOException {
        List<String> texts = new ArrayList<>(Math.min(max, 4096));
        int[] lines = new int[Math.min(max, 4096)];
        String text;
        while (texts.size() < max && (text = reader.readLine()) != null) {
            line++;
            if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1);
            }
            if (text.isBlank()) {
                continue;
            }
            if (texts.size() == lines.length) {
                lines = Arrays.copyOf(lines, lines.length * 2);
            }
            lines[texts.size()] = line;
            texts.add(text);
        }
        int[] numbers = lines;
        return new Batch(texts.size(), () -> {
            List<Item> items = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                items.add(item(numbers[i], texts.get(i), defaults));
            }
            return items;
        });
    }

    static Item item(int line, String text, Map<String, String> defaults) {
        if (text.indexOf('\uFFFD') >= 0) {
            return Submission.malformed(line, text, "encoding", "line " + line + " holds bytes that are not UTF-8 text; save the file as UTF-8");
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                return Submission.malformed(line, text, "line " + line + " is not a JSON object");
            }
            ObjectNode record = (ObjectNode) node;
            defaults.forEach((field, value) -> {
                if (!record.hasNonNull(field)) {
                    record.put(field, value);
                }
            });
            return Submission.item(line, record);
        } catch (JsonProcessingException e) {
            return Submission.malformed(line, text, "line " + line + " is not valid JSON"
                    + (e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")")
                    + (e.getMessage() != null && e.getMessage().contains("end-of-input") ? "; it looks cut off" : ""));
        }
    }

    @Override
    public long bytesRead() {
        return counted.count();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}

package org.tonle.pipelines.imports;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
 * NDJSON, one record per line, read as a stream: the node's one reader of NDJSON, for files
 * (imports, inboxes) and request bodies (POST /api/v1/activities). In a file, {@code line} is
 * the line in the file (blank lines count, so an editor's line number matches); in a body it is
 * the record's position. A line that is not a JSON object, is cut off, or is not UTF-8 is
 * rejected on its own; the lines around it are kept.
 */
public final class NdjsonSource implements RecordSource {

    /**
     * How a reason names a line, and whether blank lines are counted.
     *
     * @param unit         "line" in a file, "record" in a request body
     * @param encodingHint what to do about bytes that are not UTF-8
     */
    public record Wording(String unit, boolean countBlankLines, String encodingHint) {
        public static final Wording FILE = new Wording("line", true, "save the file as UTF-8");
        public static final Wording BODY = new Wording("record", false, "send the body as UTF-8");
    }

    private static final ObjectMapper JSON = Json.MAPPER;

    private final CountingInputStream counted;
    private final BufferedReader reader;
    private final Map<String, String> defaults;
    private final Wording wording;
    private int line;
    private boolean started;

    /** @param defaults top-level fields a record gets when it has none (e.g. the inbox's office) */
    public NdjsonSource(InputStream in, Map<String, String> defaults) {
        this(in, defaults, Wording.FILE);
    }

    public NdjsonSource(InputStream in, Map<String, String> defaults, Wording wording) {
        this.counted = new CountingInputStream(in);
        // Undecodable bytes become U+FFFD, which marks the line as wrongly encoded below.
        this.reader = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16);
        this.defaults = defaults;
        this.wording = wording;
    }

    /** Every record of an NDJSON body held in memory (a request body), in order. */
    public static List<Item> items(byte[] body, Wording wording) {
        try (NdjsonSource source = new NdjsonSource(new ByteArrayInputStream(body), Map.of(), wording)) {
            return source.read(Integer.MAX_VALUE).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array cannot fail to read
        }
    }

    /** Reads the lines here; parsing them (the costly part) is left to whoever calls {@code items()}. */
    @Override
    public Batch read(int max) throws IOException {
        List<String> texts = new ArrayList<>(Math.min(max, 4096));
        int[] lines = new int[Math.min(max, 4096)];
        String text;
        while (texts.size() < max && (text = reader.readLine()) != null) {
            if (!started && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1);
            }
            started = true;
            if (text.isBlank()) {
                line += wording.countBlankLines() ? 1 : 0;
                continue;
            }
            line++;
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
                items.add(item(numbers[i], texts.get(i), defaults, wording));
            }
            return items;
        });
    }

    static Item item(int line, String text, Map<String, String> defaults, Wording wording) {
        String where = wording.unit() + " " + line;
        if (text.indexOf('\uFFFD') >= 0) {
            return Submission.malformed(line, text, "encoding", where + " holds bytes that are not UTF-8 text; " + wording.encodingHint());
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                return Submission.malformed(line, text, where + " is not a JSON object");
            }
            ObjectNode record = (ObjectNode) node;
            defaults.forEach((field, value) -> {
                if (!record.hasNonNull(field)) {
                    record.put(field, value);
                }
            });
            return Submission.item(line, record);
        } catch (JsonProcessingException e) {
            return Submission.malformed(line, text, where + " is not valid JSON"
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

package org.tonle.pipelines.imports;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
    private static final int CHUNK = 1 << 16;

    private final CountingInputStream counted;
    private final Map<String, String> defaults;
    private final Wording wording;
    private final byte[] buffer = new byte[CHUNK];
    private int position;
    private int limit;
    private boolean ended;
    private int line;
    private boolean started;
    private int lastBatchBytes = CHUNK;

    /** @param defaults top-level fields a record gets when it has none (e.g. the inbox's office) */
    public NdjsonSource(InputStream in, Map<String, String> defaults) {
        this(in, defaults, Wording.FILE);
    }

    public NdjsonSource(InputStream in, Map<String, String> defaults, Wording wording) {
        this.counted = new CountingInputStream(in);
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

    /**
     * Reads the lines here, as bytes; parsing them (the costly part) is left to whoever calls
     * {@code items()}. Lines end as {@link java.io.BufferedReader#readLine()} ends them (LF, CR or
     * CR LF). A line of ASCII bytes (nearly all) is parsed from its bytes; any other line is
     * decoded as UTF-8 first (undecodable bytes become U+FFFD, which marks the line as wrongly
     * encoded), as every line was before.
     */
    @Override
    public Batch read(int max) throws IOException {
        Lines lines = new Lines(Math.min(max, 4096), lastBatchBytes);
        while (lines.count < max && nextLine(lines)) {
            int from = lines.lineStart;
            int to = lines.size;
            if (!started && to - from >= 3 && lines.bytes[from] == (byte) 0xEF && lines.bytes[from + 1] == (byte) 0xBB
                    && lines.bytes[from + 2] == (byte) 0xBF) {
                from += 3; // the byte order mark some editors write
            }
            started = true;
            if (blank(lines.bytes, from, to)) {
                lines.size = lines.lineStart;
                line += wording.countBlankLines() ? 1 : 0;
                continue;
            }
            line++;
            lines.add(from, line);
        }
        // The next batch most likely holds as many bytes: its buffer is not grown by copying.
        lastBatchBytes = Math.max(CHUNK, lines.size + lines.size / 16);
        return new Batch(lines.count, () -> {
            List<Item> items = new ArrayList<>(lines.count);
            for (int i = 0; i < lines.count; i++) {
                items.add(item(lines.numbers[i], lines.bytes, lines.starts[i], lines.ends[i], defaults, wording));
            }
            return items;
        });
    }

    /** The bytes of the lines of one batch, one after the other, with where each starts and ends. */
    private static final class Lines {
        byte[] bytes;
        int size;
        int lineStart;
        int[] starts;
        int[] ends;
        int[] numbers;
        int count;

        Lines(int expected, int expectedBytes) {
            bytes = new byte[expectedBytes];
            starts = new int[Math.max(expected, 1)];
            ends = new int[starts.length];
            numbers = new int[starts.length];
        }

        void append(byte[] from, int offset, int length) {
            if (size + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + length));
            }
            System.arraycopy(from, offset, bytes, size, length);
            size += length;
        }

        void add(int from, int number) {
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
                numbers = Arrays.copyOf(numbers, count * 2);
            }
            starts[count] = from;
            ends[count] = size;
            numbers[count] = number;
            count++;
            lineStart = size;
        }
    }

    /** Appends the next line's bytes (without its end) to lines; false at the end of the input. */
    private boolean nextLine(Lines lines) throws IOException {
        lines.lineStart = lines.size;
        boolean any = false;
        while (true) {
            if (position == limit && !fill()) {
                return any;
            }
            any = true;
            int i = position;
            while (i < limit && buffer[i] != '\n' && buffer[i] != '\r') {
                i++;
            }
            lines.append(buffer, position, i - position);
            if (i == limit) {
                position = limit;
                continue;
            }
            position = i + 1;
            if (buffer[i] == '\r') {
                if (position == limit) {
                    fill();
                }
                if (position < limit && buffer[position] == '\n') {
                    position++;
                }
            }
            return true;
        }
    }

    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        int n = counted.read(buffer, 0, buffer.length);
        while (n == 0) {
            n = counted.read(buffer, 0, buffer.length);
        }
        if (n < 0) {
            ended = true;
            position = limit = 0;
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    /** Whether a line is empty or white space only, as {@link String#isBlank()} judges its text. */
    private static boolean blank(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            int b = bytes[i];
            if (b < 0) {
                return new String(bytes, from, to - from, StandardCharsets.UTF_8).isBlank();
            }
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    /** The item of a line: parsed from its bytes when they are ASCII, else from its decoded text. */
    static Item item(int line, byte[] bytes, int from, int to, Map<String, String> defaults, Wording wording) {
        for (int i = from; i < to; i++) {
            if (bytes[i] < 0) {
                return item(line, new String(bytes, from, to - from, StandardCharsets.UTF_8), defaults, wording);
            }
        }
        // The usual record is read straight from its bytes, without a tree (Draft); any other line as before.
        Item read = Submission.read(line, bytes, from, to, defaults);
        if (read != null) {
            return read;
        }
        try {
            Item item = item(line, JSON.readTree(bytes, from, to - from), defaults);
            return item != null ? item : notAnObject(line, new String(bytes, from, to - from, StandardCharsets.ISO_8859_1), wording);
        } catch (JsonProcessingException e) {
            return malformed(line, new String(bytes, from, to - from, StandardCharsets.ISO_8859_1), e, wording);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array cannot fail to read
        }
    }

    static Item item(int line, String text, Map<String, String> defaults, Wording wording) {
        if (text.indexOf('\uFFFD') >= 0) {
            String where = wording.unit() + " " + line;
            return Submission.malformed(line, text, "encoding", where + " holds bytes that are not UTF-8 text; " + wording.encodingHint());
        }
        try {
            Item item = item(line, JSON.readTree(text), defaults);
            return item != null ? item : notAnObject(line, text, wording);
        } catch (JsonProcessingException e) {
            return malformed(line, text, e, wording);
        }
    }

    /** The item of a parsed line, or null when it is not a JSON object. */
    private static Item item(int line, JsonNode node, Map<String, String> defaults) {
        if (node == null || !node.isObject()) {
            return null;
        }
        ObjectNode record = (ObjectNode) node;
        if (!defaults.isEmpty()) {
            defaults.forEach((field, value) -> {
                if (!record.hasNonNull(field)) {
                    record.put(field, value);
                }
            });
        }
        return Submission.item(line, record);
    }

    private static Item notAnObject(int line, String text, Wording wording) {
        return Submission.malformed(line, text, wording.unit() + " " + line + " is not a JSON object");
    }

    private static Item malformed(int line, String text, JsonProcessingException e, Wording wording) {
        return Submission.malformed(line, text, wording.unit() + " " + line + " is not valid JSON"
                + (e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")")
                + (e.getMessage() != null && e.getMessage().contains("end-of-input") ? "; it looks cut off" : ""));
    }

    @Override
    public long bytesRead() {
        return counted.count();
    }

    @Override
    public void close() throws IOException {
        counted.close();
    }
}

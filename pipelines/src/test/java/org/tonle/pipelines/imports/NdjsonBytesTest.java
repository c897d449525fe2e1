package org.tonle.pipelines.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.tonle.core.Json;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Pseudonymise;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.pipelines.Submission;

/**
 * NDJSON is split and parsed as bytes (issue 22); every item, reason, line number and keyed line
 * hash must be what the reader it replaced (lines decoded by a {@link BufferedReader}, each parsed
 * as text; frozen below) made of the same input.
 */
class NdjsonBytesTest {

    private static final String[] PIECES = {
            "{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"program\":\"social\",\"subject\":{\"ref\":\"PNH-C-1\",\"age\":7}}",
            "{\"id\":\"a\",\"office\":\"SRP\",\"attributes\":{\"note\":\"line\\n\\\"quoted\\\" \\u00e9\"}}",
            "{\"id\":\"b\",\"note\":\"ក្មេង\"}", "{\"office\":null}", "{\"n\":1.5,\"m\":1e400,\"b\":123456789012345678901234567890}",
            "{\"id\":\"x\",\"id\":\"y\"}", "{\"a\":[1,[2,{\"b\":false}]],\"c\":-0}", "[1]", "null", "\"text\"", "42", "{\"a\":",
            "{\"a\":1} junk", "{\"a\":tru}", "{'a':1}", "{\"a\":\"\u0001\"}", "", " ", "\t \u000B", "\u00A0", "\u2003", "\uFEFF{}",
            "{\"a\":\"\u2028\"}", "{}", "}", "{\"a\":1}{\"b\":2}", "{\"a\":\"x\\ud83d\"}", "{\"emoji\":\"😀\"}"};
    private static final byte[][] RAW = {{(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xC3}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};
    private static final String[] ENDS = {"\n", "\r\n", "\r", "\n\n", "\r\r\n"};

    @Test
    void everyItemIsWhatTheTextReaderMadeOfTheSameBytes() throws Exception {
        Random random = new Random(22);
        SubjectKeys keys = SubjectKeys.of(new byte[32]);
        for (int round = 0; round < 400; round++) {
            ByteArrayOutputStream input = new ByteArrayOutputStream();
            int lines = 1 + random.nextInt(12);
            for (int l = 0; l < lines; l++) {
                int parts = 1 + random.nextInt(2);
                for (int p = 0; p < parts; p++) {
                    if (random.nextInt(8) == 0) {
                        input.writeBytes(RAW[random.nextInt(RAW.length)]);
                    } else {
                        input.writeBytes(PIECES[random.nextInt(PIECES.length)].getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (l < lines - 1 || random.nextBoolean()) {
                    input.writeBytes(ENDS[random.nextInt(ENDS.length)].getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] bytes = input.toByteArray();
            for (NdjsonSource.Wording wording : List.of(NdjsonSource.Wording.FILE, NdjsonSource.Wording.BODY)) {
                Map<String, String> defaults = random.nextBoolean() ? Map.of() : Map.of("office", "PNH");
                List<Item> actual = new ArrayList<>();
                try (NdjsonSource source = new NdjsonSource(new ByteArrayInputStream(bytes), defaults, wording)) {
                    for (List<Item> batch; !(batch = source.next(1 + random.nextInt(4))).isEmpty(); ) {
                        actual.addAll(batch);
                    }
                }
                List<Item> expected = textReader(new ByteArrayInputStream(bytes), defaults, wording);
                new Pseudonymise(keys).process(Submission.create("t", "t", null, actual));
                new Pseudonymise(keys).process(Submission.create("t", "t", null, expected));
                assertThat(describe(actual)).as("input %s", new String(bytes, StandardCharsets.UTF_8)).isEqualTo(describe(expected));
            }
        }
        assertThat(NdjsonSource.items("{\"id\":\"a\"}\r\n\r\n{\"id\":\"b\"}".getBytes(StandardCharsets.UTF_8), NdjsonSource.Wording.BODY))
                .extracting(Item::line).containsExactly(1, 2);
    }

    private static List<String> describe(List<Item> items) {
        List<String> out = new ArrayList<>();
        for (Item item : items) {
            out.add(item.line() + " " + item.outcome() + " " + (item.node() == null ? null : item.node().toString()) + " "
                    + item.lineLength() + " " + item.lineHash() + " " + item.recordId() + " "
                    + item.violations().stream().map(v -> v.field() + "|" + v.rule() + "|" + v.reason()).toList());
        }
        return out;
    }

    /** The reader as it was before issue 22: every line decoded to text, then parsed as text. */
    private static List<Item> textReader(InputStream in, Map<String, String> defaults, NdjsonSource.Wording wording) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        List<Item> items = new ArrayList<>();
        boolean started = false;
        int line = 0;
        String text;
        while ((text = reader.readLine()) != null) {
            if (!started && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1);
            }
            started = true;
            if (text.isBlank()) {
                line += wording.countBlankLines() ? 1 : 0;
                continue;
            }
            line++;
            items.add(textItem(line, text, defaults, wording));
        }
        return items;
    }

    private static Item textItem(int line, String text, Map<String, String> defaults, NdjsonSource.Wording wording) {
        String where = wording.unit() + " " + line;
        if (text.indexOf('\uFFFD') >= 0) {
            return Submission.malformed(line, text, "encoding", where + " holds bytes that are not UTF-8 text; " + wording.encodingHint());
        }
        try {
            JsonNode node = Json.MAPPER.readTree(text);
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
}

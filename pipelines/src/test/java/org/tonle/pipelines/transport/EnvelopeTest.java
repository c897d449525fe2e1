package org.tonle.pipelines.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.tonle.core.Json;
import org.tonle.warehouse.Outbox;

class EnvelopeTest {

    private static final Instant FORWARDED = Instant.parse("2026-11-30T22:10:05.123456Z");

    /** What the office wrote before the batch writer: one JSON generator per message. */
    private static String generated(String origin, Outbox.Entry entry, Instant forwardedAt) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("origin", origin);
            g.writeStringField("action", entry.action());
            g.writeStringField("id", entry.recordId().toString());
            g.writeNumberField("version", entry.version());
            g.writeStringField("recorded_by", entry.recordedBy());
            g.writeStringField("recorded_at", entry.recordedAt().toString());
            g.writeStringField("forwarded_at", forwardedAt.toString());
            if (entry.body() != null) {
                g.writeFieldName("record");
                g.writeRawValue(entry.body());
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static Outbox.Entry entry(long seq, String action, String body, String by, Instant at) {
        return new Outbox.Entry(seq, UUID.randomUUID(), (int) seq, action, body, by, at);
    }

    @Test
    void aBatchIsWrittenCharacterForCharacterAsTheGeneratorWroteEachMessage() throws IOException {
        Instant t1 = Instant.parse("2026-11-30T22:10:00Z");
        Instant t2 = Instant.parse("2026-11-30T22:10:01.5Z");
        String body = "{\"id\":\"x\",\"program\":\"investigation\",\"attributes\":{\"note\":\"a \\\"quoted\\\" ក word\"}}";
        List<Outbox.Entry> batch = List.of(
                entry(1, "create", body, "pnh-staff", t1),
                entry(2, "create", body, "pnh-staff", t1),
                entry(3, "correct", body, "a \"quoted\"\\ user\tក\u0001", t1),
                entry(4, "void", null, "a \"quoted\"\\ user\tក\u0001", t2),
                entry(5, "create", body, "pnh-staff", t2));
        String origin = "PNH \"north\"\n";
        Envelope.Writer writer = new Envelope.Writer(origin, FORWARDED, null);
        for (Outbox.Entry e : batch) {
            assertEquals(generated(origin, e, FORWARDED), writer.write(e));
        }
    }

    @Test
    void aBatchBecomesMessagesOfOneChangeALineInOrderEachWithinTheByteBound() {
        Instant at = Instant.parse("2026-11-30T22:10:00Z");
        // Khmer letters are three bytes each in UTF-8: the bound is counted in bytes, not characters.
        String body = "{\"program\":\"investigation\",\"attributes\":{\"note\":\"" + "ក".repeat(3000) + "\"}}";
        List<Outbox.Entry> batch = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            batch.add(entry(i, i % 50 == 0 ? "void" : "create", i % 50 == 0 ? null : body, "pnh-staff", at));
        }
        Envelope.Writer writer = new Envelope.Writer("PNH", FORWARDED, null);
        List<String> messages = writer.messages(batch);
        assertTrue(messages.size() > 1, "200 changes of ~9 KB are more than one message");
        List<UUID> read = new ArrayList<>();
        for (String message : messages) {
            assertTrue(message.getBytes(StandardCharsets.UTF_8).length <= Envelope.MESSAGE_BYTES, "a message within the bound");
            Envelope previous = null;
            for (String line : Envelope.lines(message)) {
                Envelope envelope = Envelope.read(line, previous);
                read.add(envelope.recordId());
                previous = envelope;
            }
        }
        assertEquals(batch.stream().map(Outbox.Entry::recordId).toList(), read);

        // One change larger than the bound travels alone, whole.
        String huge = "{\"note\":\"" + "x".repeat(Envelope.MESSAGE_BYTES + 10) + "\"}";
        List<String> alone = writer.messages(List.of(entry(1, "create", body, "s", at), entry(2, "create", huge, "s", at),
                entry(3, "create", body, "s", at)));
        assertEquals(3, alone.size());
        assertEquals(1, Envelope.lines(alone.get(1)).size());
        assertEquals(huge, Envelope.read(alone.get(1), null).record().toString());
    }

    @Test
    void aLineBreakInAStoredBodyDoesNotSplitItsChange() {
        Instant at = Instant.parse("2026-11-30T22:10:00Z");
        String pretty = "{\n  \"program\" : \"investigation\",\n  \"attributes\" : {\"note\":\"two\\nlines\"}\n}";
        List<String> messages = new Envelope.Writer("PNH", FORWARDED, null).messages(List.of(entry(1, "create", pretty, "s", at),
                entry(2, "create", pretty, "s", at)));
        assertEquals(1, messages.size());
        List<String> lines = Envelope.lines(messages.get(0));
        assertEquals(2, lines.size());
        assertEquals("two\nlines", Envelope.read(lines.get(1), null).record().path("attributes").path("note").asText());
    }

    @Test
    void aMessageOfOneChangeAsOfficesSentBeforeIsOneLine() {
        Instant at = Instant.parse("2026-11-30T22:10:00Z");
        String single = new Envelope.Writer("PNH", FORWARDED, null).write(entry(1, "create", "{\"program\":\"legal\"}", "s", at));
        assertEquals(List.of(single), Envelope.lines(single));
        assertEquals(List.of(single), Envelope.lines(single + "\n"));
        assertEquals(List.of("a", "b"), Envelope.lines("a\n\n  \nb\n"));
        // An empty message is one malformed change, not none.
        assertEquals(List.of(""), Envelope.lines(""));
        assertEquals(List.of(""), Envelope.lines(null));
    }

    @Test
    void headquartersReadsWhatTheOfficeWrote() {
        Instant at = Instant.parse("2026-11-30T22:10:00Z");
        Outbox.Entry create = entry(7, "create", "{\"id\":\"r\",\"office\":\"PNH\"}", "pnh-staff", at);
        Outbox.Entry drop = entry(8, "void", null, "pnh-staff", at);
        Envelope.Writer writer = new Envelope.Writer("PNH", FORWARDED, null);

        Envelope first = Envelope.read(writer.write(create), null);
        assertEquals("PNH", first.origin());
        assertEquals("create", first.action());
        assertEquals(create.recordId(), first.recordId());
        assertEquals(7, first.version());
        assertEquals("pnh-staff", first.recordedBy());
        assertEquals(at, first.recordedAt());
        assertEquals(FORWARDED, first.forwardedAt());
        assertEquals("PNH", first.record().path("office").asText());

        Envelope second = Envelope.read(writer.write(drop), first);
        assertEquals("void", second.action());
        assertEquals(drop.recordId(), second.recordId());
        assertEquals(FORWARDED, second.forwardedAt());
        assertNull(second.record());
    }

    /** What headquarters read before the streaming reader: the whole message as a tree. */
    private static Envelope treeRead(String text) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("the message is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("the message is not a JSON object");
        }
        String action = node.path("action").asText("");
        if (!action.equals("create") && !action.equals("correct") && !action.equals("void")) {
            throw new IllegalArgumentException("action must be create, correct or void");
        }
        UUID id;
        try {
            id = UUID.fromString(node.path("id").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("id must be a UUID");
        }
        JsonNode record = node.get("record");
        if (!action.equals("void") && (record == null || !record.isObject())) {
            throw new IllegalArgumentException("a " + action + " carries the record as a JSON object");
        }
        String forwarded = node.hasNonNull("forwarded_at") ? node.get("forwarded_at").asText() : null;
        return new Envelope(node.path("origin").asText("unknown"), action, id, node.path("version").asInt(),
                node.path("recorded_by").asText(null), node.hasNonNull("recorded_at") ? node.get("recorded_at").asText() : null,
                forwarded, forwarded == null ? null : Instant.parse(forwarded), record == null || !record.isObject() ? null : (ObjectNode) record,
                refLengths(node.get("ref_lengths")));
    }

    /** What the office says its refs' lengths are, or null for anything but 1..8192 whole numbers (at most 64). */
    private static List<Integer> refLengths(JsonNode lengths) {
        if (lengths == null || !lengths.isArray() || lengths.size() > Envelope.MAX_REF_LENGTHS) {
            return null;
        }
        List<Integer> read = new ArrayList<>();
        for (JsonNode length : lengths) {
            if (!length.isInt() || length.asInt() < 1 || length.asInt() > 8192) {
                return null;
            }
            read.add(length.asInt());
        }
        return read;
    }

    private static String outcome(Function<String, Envelope> reader, String text) {
        try {
            return reader.apply(text).toString();
        } catch (IllegalArgumentException e) {
            return "refused: " + e.getMessage();
        }
    }

    @Test
    void theStreamingReaderAcceptsAndRefusesWhatTheTreeReaderDid() {
        String id = UUID.randomUUID().toString();
        List<String> messages = List.of(
                "{\"origin\":\"PNH\",\"action\":\"create\",\"id\":\"" + id + "\",\"version\":2,\"recorded_by\":\"u\","
                        + "\"recorded_at\":\"2026-11-30T22:10:00Z\",\"forwarded_at\":\"2026-11-30T22:10:05Z\",\"record\":{\"a\":[1,{\"b\":null}]}}",
                "{\"record\":{\"a\":1},\"action\":\"correct\",\"id\":\"" + id + "\",\"extra\":{\"x\":[1,2]},\"version\":\"3\"}",
                "{\"action\":\"void\",\"id\":\"" + id + "\",\"origin\":null,\"recorded_by\":null,\"forwarded_at\":null}",
                "{\"action\":\"void\",\"id\":\"" + id + "\",\"record\":[1],\"origin\":{\"o\":1},\"recorded_by\":[\"x\"],\"version\":true}",
                "{\"action\":\"void\",\"id\":\"" + id + "\",\"action\":\"create\",\"record\":{\"a\":1},\"record\":{\"b\":2}}",
                "{\"action\":\"create\",\"id\":\"" + id + "\",\"record\":[]}",
                "{\"action\":\"create\",\"id\":\"" + id + "\",\"record\":null}",
                "{\"action\":\"create\",\"id\":\"" + id + "\"}",
                "{\"action\":null,\"id\":\"" + id + "\"}",
                "{\"action\":\"void\",\"id\":null}",
                "{\"action\":\"void\",\"id\":42}",
                "{\"action\":\"void\",\"id\":\"" + id + "\"} trailing",
                "{\"action\":\"void\",\"id\":\"" + id + "\"}{}",
                "{\"action\":\"void\",\"id\":\"" + id + "\"",
                "[1,2]", "\"text\"", "42", "", "   ", "null", "not json", "{\"record\":{\"a\":}}",
                "{\"ref_lengths\":[10,11],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":[],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":[10,\"11\"],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":[10,[11]],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":[0,9999,10.5],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":[10,{\"a\":[1]}],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":[99999999999],\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":" + java.util.stream.IntStream.rangeClosed(1, 65).boxed().toList().toString().replace(" ", "")
                        + ",\"action\":\"void\",\"id\":\"" + id + "\"}",
                "{\"ref_lengths\":10,\"action\":\"void\",\"id\":\"" + id + "\"}");
        for (String message : messages) {
            assertEquals(outcome(EnvelopeTest::treeRead, message), outcome(text -> Envelope.read(text, null), message), message);
        }
    }

    /** The lengths of the office's refs travel with every change while the office knows them all. */
    @Test
    void theOfficesRefLengthsTravelWithEveryChange() {
        Instant at = Instant.parse("2026-11-30T22:10:00Z");
        List<Outbox.Entry> batch = List.of(entry(1, "create", "{\"program\":\"legal\"}", "s", at), entry(2, "void", null, "s", at));
        for (String line : Envelope.lines(new Envelope.Writer("PNH", FORWARDED, new int[] {10, 11}).messages(batch).get(0))) {
            assertEquals(List.of(10, 11), Envelope.read(line, null).refLengths());
        }
        for (String line : Envelope.lines(new Envelope.Writer("PNH", FORWARDED, null).messages(batch).get(0))) {
            assertTrue(!line.contains("ref_lengths") && Envelope.read(line, null).refLengths() == null, line);
        }
    }
}

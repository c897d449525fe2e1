package org.tonle.pipelines.transport;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;
import org.tonle.warehouse.Outbox;

/**
 * The value of a Kafka message between an office and headquarters (its key is the record id):
 * the office node, the change, and the pseudonymised canonical record, which never holds a
 * raw subject ref.
 *
 * <pre>{"origin":"PNH","action":"create","version":1,"recorded_by":"pnh-staff",
 *  "recorded_at":"...","forwarded_at":"...","record":{...canonical record...}}</pre>
 */
record Envelope(String origin, String action, UUID recordId, int version, String recordedBy, String recordedAtText,
                String forwardedAtText, Instant forwardedAt, ObjectNode record) {

    private static final ObjectMapper JSON = Json.MAPPER;

    /**
     * The message for a change. The stored body is the office's own canonical JSON, so it is
     * written into the message as it is, not parsed and written again (headquarters reads and
     * validates the message either way).
     */
    static String write(String origin, Outbox.Entry entry, Instant forwardedAt) {
        StringWriter out = new StringWriter(entry.body() == null ? 256 : entry.body().length() + 256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
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
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the change of record " + entry.recordId() + " as a message", e);
        }
        return out.toString();
    }

    /** When the office committed the change, or null when the message does not say (parsed when asked: headquarters does not need it). */
    Instant recordedAt() {
        return instant(recordedAtText);
    }

    /**
     * Reads a message; {@code previous}, the message read before it (or null), lends its forwarding time
     * when this one has the same (every message of an office's batch has): parsing a time is
     * a large part of reading a small message.
     *
     * @throws IllegalArgumentException naming what is wrong, for a message no office wrote
     */
    static Envelope read(String text, Envelope previous) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
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
        Instant forwardedAt = previous != null && previous.forwardedAt() != null && forwarded != null
                && forwarded.equals(previous.forwardedAtText) ? previous.forwardedAt() : instant(forwarded);
        return new Envelope(node.path("origin").asText("unknown"), action, id, node.path("version").asInt(),
                node.path("recorded_by").asText(null), node.hasNonNull("recorded_at") ? node.get("recorded_at").asText() : null,
                forwarded, forwardedAt, record == null || !record.isObject() ? null : (ObjectNode) record);
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}

package org.tonle.pipelines.transport;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;
import org.tonle.warehouse.Outbox;

/**
 * One forwarded change between an office and headquarters: the office node, the change, and
 * the pseudonymised canonical record, which never holds a raw subject ref.
 *
 * <pre>{"origin":"PNH","action":"create","id":"...","version":1,"recorded_by":"pnh-staff",
 *  "recorded_at":"...","forwarded_at":"...","record":{...canonical record...}}</pre>
 *
 * <p>A Kafka message carries a run of such changes, one per line, in commit order (newline-
 * delimited JSON, at most {@link #MESSAGE_BYTES} bytes of UTF-8 unless a single change is
 * larger); a message of one line is what offices before this format sent, one change per message.
 */
record Envelope(String origin, String action, UUID recordId, int version, String recordedBy, String recordedAtText,
                String forwardedAtText, Instant forwardedAt, ObjectNode record, List<Integer> refLengths) {

    /**
     * The most lengths of subject refs a change may carry ({@code ref_lengths}: those of every ref
     * the office pseudonymised, when it knows them all; CaseCodes searches only readings of those
     * lengths). A code is at most 64 characters long, so more are not an office's.
     */
    static final int MAX_REF_LENGTHS = 64;

    /**
     * The most UTF-8 bytes the office puts into one message (one change larger than this goes
     * alone): an eighth of Kafka's default {@code max.request.size} and {@code message.max.bytes}
     * (1 MB), which the producer checks before compression. Small enough that headquarters can
     * take many messages into a batch (a tenth of {@code max_poll_records}: old offices' one-change
     * messages come hundreds to a batch, not a few), large enough that a message carries dozens to
     * hundreds of changes and its per-message cost is paid once for them all.
     */
    static final int MESSAGE_BYTES = 128 * 1024;

    private static final ObjectMapper JSON = Json.MAPPER;
    /** Reads the record in the middle of a message (the message's own end is checked after it). */
    private static final ObjectReader RECORD = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * The message for a change. The stored body is the office's own canonical JSON, so it is
     * written into the message as it is, not parsed and written again (headquarters reads and
     * validates the message either way).
     */
    static String write(String origin, Outbox.Entry entry, Instant forwardedAt) {
        return new Writer(origin, forwardedAt, null).write(entry);
    }

    /**
     * Writes the messages of one forwarded batch. What they share (the office node, the
     * forwarding time) is escaped once per batch, and the action, the commit time and the user
     * once per run of changes that have the same (a commit's changes do): the same JSON, with the fields in the
     * same order, as a JSON generator writes, for a fraction of its CPU per message.
     */
    static final class Writer {
        private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();
        private final String head;
        private final String forwarded;
        private String action;
        private String actionJson = "null";
        private String recordedBy;
        private String recordedByJson = "null";
        private Instant recordedAt;
        private String recordedAtJson = "null";

        /**
         * @param refLengths the lengths of every subject ref the office has pseudonymised, ascending,
         *                   or null when it does not know them all (then none are sent)
         */
        Writer(String origin, Instant forwardedAt, int[] refLengths) {
            StringBuilder head = new StringBuilder("{\"origin\":").append(quoted(origin));
            if (refLengths != null) {
                head.append(",\"ref_lengths\":[");
                for (int i = 0; i < refLengths.length; i++) {
                    head.append(i == 0 ? "" : ",").append(refLengths[i]);
                }
                head.append(']');
            }
            this.head = head.append(",\"action\":").toString();
            this.forwarded = ",\"forwarded_at\":" + quoted(forwardedAt.toString());
        }

        String write(Outbox.Entry entry) {
            StringBuilder out = new StringBuilder((entry.body() == null ? 0 : entry.body().length()) + head.length() + forwarded.length() + 160);
            append(out, entry);
            return out.toString();
        }

        /** Appends the change's envelope to {@code out}; a line break in its stored body becomes a space. */
        private void append(StringBuilder out, Outbox.Entry entry) {
            if (!Objects.equals(entry.action(), action)) {
                action = entry.action();
                actionJson = quoted(action);
            }
            if (!Objects.equals(entry.recordedBy(), recordedBy)) {
                recordedBy = entry.recordedBy();
                recordedByJson = quoted(recordedBy);
            }
            if (!Objects.equals(entry.recordedAt(), recordedAt)) {
                recordedAt = entry.recordedAt();
                recordedAtJson = recordedAt == null ? "null" : quoted(recordedAt.toString());
            }
            String body = entry.body();
            out.append(head).append(actionJson)
                    .append(",\"id\":\"").append(entry.recordId()).append('"')
                    .append(",\"version\":").append(entry.version())
                    .append(",\"recorded_by\":").append(recordedByJson)
                    .append(",\"recorded_at\":").append(recordedAtJson)
                    .append(forwarded);
            if (body != null) {
                // Only the body can hold a raw line break: the other fields are escaped or have none.
                out.append(",\"record\":").append(body.indexOf('\n') < 0 ? body : body.replace('\n', ' '));
            }
            out.append('}');
        }

        /**
         * The messages of a batch of changes: each change one line, in order, a new message
         * begun before one could exceed {@link #MESSAGE_BYTES} (counted as three bytes a
         * character, so a message holds at least a third of it). A stored body is compact JSON;
         * should it hold a line break (whitespace outside its strings: inside, JSON escapes
         * them), it becomes a space, so that every change stays one line. Each change is written
         * straight into its message (a change that would overflow it is moved to the next one),
         * not into a text of its own first.
         */
        List<String> messages(List<Outbox.Entry> entries) {
            List<String> messages = new ArrayList<>();
            StringBuilder message = new StringBuilder(MESSAGE_BYTES / 3 + 1024);
            for (Outbox.Entry entry : entries) {
                int start = message.length();
                if (start > 0) {
                    message.append('\n');
                }
                append(message, entry);
                if (start > 0 && utf8Length(message.length()) > MESSAGE_BYTES) {
                    String line = message.substring(start + 1);
                    message.setLength(start);
                    messages.add(message.toString());
                    message.setLength(0);
                    message.append(line);
                }
            }
            if (message.length() > 0) {
                messages.add(message.toString());
            }
            return messages;
        }

        /**
         * At most the UTF-8 bytes of a text of so many chars: three a UTF-16 char (a surrogate pair, two chars,
         * is four bytes), without reading the text (counting exactly cost more than writing it).
         */
        private static long utf8Length(int chars) {
            return 3L * chars;
        }

        /** A JSON string, escaped as Jackson's generator escapes it; {@code null} for null. */
        private static String quoted(String text) {
            if (text == null) {
                return "null";
            }
            return new StringBuilder(text.length() + 2).append('"').append(ESCAPE.quoteAsString(text)).append('"').toString();
        }
    }

    /**
     * The changes of a Kafka message, one per line (a message of an office before batched
     * messages is one line). Blank lines are skipped.
     */
    static List<String> lines(String value) {
        List<String> lines = new ArrayList<>();
        String text = value == null ? "" : value;
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end;
            String line = text.substring(start, end);
            if (!line.isBlank()) {
                lines.add(line);
            }
            start = end + 1;
        }
        if (lines.isEmpty()) {
            lines.add(text); // an empty message: refused as one malformed change
        }
        return lines;
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
        // The envelope's fields are read as a stream; only the record becomes a tree (the
        // pipeline validates it as one). What it accepts and refuses is what reading the whole
        // message as a tree did: the same defaults for missing and null fields, trailing tokens refused.
        String origin = null;
        String action = "";
        String id = "";
        int version = 0;
        String recordedBy = null;
        String recordedAt = null;
        String forwarded = null;
        boolean hasRecord = false;
        ObjectNode record = null;
        List<Integer> refLengths = null;
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                JSON.readTree(text); // refuses what is not JSON
                throw new IllegalArgumentException("the message is not a JSON object");
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                token = p.nextToken();
                switch (name) {
                    case "origin" -> origin = text(p, token);
                    case "action" -> action = Objects.requireNonNullElse(text(p, token), "");
                    case "id" -> id = Objects.requireNonNullElse(text(p, token), "");
                    case "version" -> version = p.getValueAsInt(0);
                    case "recorded_by" -> recordedBy = text(p, token);
                    case "recorded_at" -> recordedAt = text(p, token);
                    case "forwarded_at" -> forwarded = text(p, token);
                    case "ref_lengths" -> refLengths = token == JsonToken.START_ARRAY ? lengths(p) : null;
                    case "record" -> {
                        hasRecord = token != JsonToken.VALUE_NULL;
                        record = token == JsonToken.START_OBJECT ? (ObjectNode) RECORD.readTree(p) : null;
                    }
                    default -> { }
                }
                p.skipChildren();
            }
            if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("the message is not JSON");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the message is not JSON");
        }
        if (!action.equals("create") && !action.equals("correct") && !action.equals("void")) {
            throw new IllegalArgumentException("action must be create, correct or void");
        }
        UUID recordId;
        try {
            recordId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("id must be a UUID");
        }
        if (!action.equals("void") && record == null) {
            throw new IllegalArgumentException("a " + action + " carries the record as a JSON object");
        }
        Instant forwardedAt = previous != null && previous.forwardedAt() != null && forwarded != null
                && forwarded.equals(previous.forwardedAtText) ? previous.forwardedAt() : instant(forwarded);
        return new Envelope(origin == null ? "unknown" : origin, action, recordId, version, recordedBy, recordedAt,
                forwarded, forwardedAt, hasRecord ? record : null, refLengths);
    }

    /**
     * The lengths of an array {@code ref_lengths} (the parser at its start, left at its end), or
     * null unless it holds only whole numbers from 1 to 8,192, at most {@link #MAX_REF_LENGTHS}
     * of them: a change that does not say which lengths its office's refs have makes
     * headquarters search every length.
     */
    private static List<Integer> lengths(JsonParser p) throws IOException {
        List<Integer> lengths = new ArrayList<>();
        boolean valid = true;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                    && p.getIntValue() >= 1 && p.getIntValue() <= 8192 && lengths.size() < MAX_REF_LENGTHS) {
                lengths.add(p.getIntValue());
            } else {
                valid = false;
                p.skipChildren();
            }
        }
        return valid ? List.copyOf(lengths) : null;
    }

    /**
     * A field's value as {@code JsonNode.asText(null)} gives it: a scalar's text, null for JSON
     * null, an empty string for an object or array.
     */
    private static String text(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        return token.isScalarValue() ? p.getText() : "";
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}

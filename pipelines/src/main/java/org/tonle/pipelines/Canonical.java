package org.tonle.pipelines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.tonle.core.Json;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.PseudonymousRecord;

/**
 * The canonical JSON of a pseudonymised record: keys sorted, defaults written out, the subject
 * as its pseudonymous {@code key}. Two sendings of the same record give the same text, so its
 * SHA-256 decides "duplicate" versus "conflict".
 */
public final class Canonical {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    // Field names are written pre-encoded: Jackson otherwise checks every name for escapes.
    private static final SerializedString ATTRIBUTES = new SerializedString("attributes");
    private static final SerializedString COUNT = new SerializedString("count");
    private static final SerializedString DATE = new SerializedString("date");
    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString OFFICE = new SerializedString("office");
    private static final SerializedString PARTICIPANTS = new SerializedString("participants");
    private static final SerializedString GROUP = new SerializedString("group");
    private static final SerializedString SEX = new SerializedString("sex");
    private static final SerializedString PROGRAM = new SerializedString("program");
    private static final SerializedString SUBJECT = new SerializedString("subject");
    private static final SerializedString AGE = new SerializedString("age");
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString ROLE = new SerializedString("role");
    private static final SerializedString TYPE = new SerializedString("type");

    /** A record's canonical text and the SHA-256 of its UTF-8 bytes. */
    public record Form(String json, String sha256) {
    }

    private Canonical() {
    }

    /** The canonical text and its hash, hashing the bytes as written (this runs for every record). */
    public static Form of(PseudonymousRecord r) {
        byte[] utf8 = utf8(r);
        return new Form(new String(utf8, StandardCharsets.UTF_8), sha256(utf8));
    }

    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(SHA_256.get().digest(bytes));
    }

    private static byte[] utf8(PseudonymousRecord r) {
        // Written field by field in sorted key order (as a TreeMap would give), as UTF-8 bytes:
        // no intermediate maps, no text encoded twice.
        ByteArrayBuilder out = new ByteArrayBuilder(320);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeFieldName(ATTRIBUTES);
            g.writeStartObject();
            Map<String, Object> attributes = r.attributes().size() < 2 ? r.attributes() : new TreeMap<>(r.attributes());
            for (Map.Entry<String, Object> a : attributes.entrySet()) {
                g.writeFieldName(a.getKey());
                writeValue(g, a.getValue());
            }
            g.writeEndObject();
            field(g, COUNT, r.count());
            field(g, DATE, r.date().toString());
            field(g, ID, r.id().toString());
            field(g, OFFICE, r.office());
            if (!r.participants().isEmpty()) {
                g.writeFieldName(PARTICIPANTS);
                g.writeStartArray();
                for (ParticipantTally t : r.participants()) {
                    g.writeStartObject();
                    field(g, COUNT, t.count());
                    field(g, GROUP, t.group());
                    field(g, SEX, t.sex());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            field(g, PROGRAM, r.program());
            if (r.subject() != null) {
                g.writeFieldName(SUBJECT);
                g.writeStartObject();
                g.writeFieldName(AGE);
                if (r.subject().age() == null) {
                    g.writeNull();
                } else {
                    g.writeNumber(r.subject().age());
                }
                field(g, KEY, r.subject().key() == null ? null : r.subject().key().toString());
                field(g, ROLE, r.subject().role());
                field(g, SEX, r.subject().sex());
                g.writeEndObject();
            }
            field(g, TYPE, r.type());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static void field(JsonGenerator g, SerializedString name, String value) throws IOException {
        g.writeFieldName(name);
        g.writeString(value);
    }

    private static void field(JsonGenerator g, SerializedString name, int value) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(value);
    }

    /** Attribute values are what Validate makes of them: text, whole numbers, booleans. */
    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value instanceof String text) {
            g.writeString(text);
        } else if (value instanceof Long number) {
            g.writeNumber(number);
        } else if (value instanceof Boolean flag) {
            g.writeBoolean(flag);
        } else {
            JSON.writeValue(g, value);
        }
    }
}

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
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.ParticipantTally;

/**
 * The canonical JSON of a pseudonymised record: keys sorted, defaults written out, the subject
 * as its pseudonymous {@code key}. Two sendings of the same record give the same text, so its
 * SHA-256 decides "duplicate" versus "conflict".
 */
public final class Canonical {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** A record's canonical text and the SHA-256 of its UTF-8 bytes. */
    public record Form(String json, String sha256) {
    }

    private Canonical() {
    }

    /** The canonical text and its hash, hashing the bytes as written (this runs for every record). */
    public static Form of(ActivityRecord r) {
        byte[] utf8 = utf8(r);
        return new Form(new String(utf8, StandardCharsets.UTF_8), sha256(utf8));
    }

    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(SHA_256.get().digest(bytes));
    }

    private static byte[] utf8(ActivityRecord r) {
        // Written field by field in sorted key order (as a TreeMap would give), as UTF-8 bytes:
        // no intermediate maps, no text encoded twice.
        ByteArrayBuilder out = new ByteArrayBuilder(320);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeFieldName("attributes");
            g.writeStartObject();
            Map<String, Object> attributes = r.attributes().size() < 2 ? r.attributes() : new TreeMap<>(r.attributes());
            for (Map.Entry<String, Object> a : attributes.entrySet()) {
                g.writeFieldName(a.getKey());
                writeValue(g, a.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("count", r.count());
            g.writeStringField("date", r.date().toString());
            g.writeStringField("id", r.id());
            g.writeStringField("office", r.office());
            if (!r.participants().isEmpty()) {
                g.writeArrayFieldStart("participants");
                for (ParticipantTally t : r.participants()) {
                    g.writeStartObject();
                    g.writeNumberField("count", t.count());
                    g.writeStringField("group", t.group());
                    g.writeStringField("sex", t.sex());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeStringField("program", r.program());
            if (r.subject() != null) {
                g.writeObjectFieldStart("subject");
                if (r.subject().age() == null) {
                    g.writeNullField("age");
                } else {
                    g.writeNumberField("age", r.subject().age());
                }
                g.writeStringField("key", r.subject().ref());
                g.writeStringField("role", r.subject().role());
                g.writeStringField("sex", r.subject().sex());
                g.writeEndObject();
            }
            g.writeStringField("type", r.type());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
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

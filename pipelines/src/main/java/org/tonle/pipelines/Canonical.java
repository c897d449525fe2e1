package org.tonle.pipelines;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

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

    private Canonical() {
    }

    public static String json(ActivityRecord r) {
        // Written field by field in sorted key order (as a TreeMap would give): this runs for
        // every record on the bulk path, so no intermediate maps.
        java.io.StringWriter out = new java.io.StringWriter(256);
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("attributes");
            g.writeStartObject();
            for (Map.Entry<String, Object> a : new TreeMap<>(r.attributes()).entrySet()) {
                g.writeFieldName(a.getKey());
                JSON.writeValue(g, a.getValue());
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
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package org.tonle.pipelines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

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

    private static final ThreadLocal<Plain> PLAIN = ThreadLocal.withInitial(Plain::new);

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

    /**
     * The canonical text and its hash, hashing the bytes as written (this runs for every record).
     * A record whose text is plain ASCII throughout (nearly all) is written by {@link Plain}, byte
     * for byte what Jackson writes; any other goes through Jackson's generator.
     */
    public static Form of(PseudonymousRecord r) {
        Form plain = plain(r);
        return plain != null ? plain : viaJackson(r);
    }

    /** The form written by hand, or null when some text of the record is not plain ASCII. */
    static Form plain(PseudonymousRecord r) {
        return PLAIN.get().of(r);
    }

    /** The canonical form as Jackson's generator writes it: the definition {@link Plain} must match. */
    static Form viaJackson(PseudonymousRecord r) {
        byte[] utf8 = utf8(r);
        return new Form(new String(utf8, StandardCharsets.UTF_8), sha256(utf8));
    }

    /**
     * Writes the canonical JSON of a record whose every name and text value is printable ASCII
     * without quotes or backslashes, which Jackson writes as it is between quotes; numbers are
     * written in decimal as Jackson writes them. One per thread, its buffer reused.
     */
    private static final class Plain {

        private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] ATTRIBUTES = ascii("{\"attributes\":{");
        private static final byte[] COUNT = ascii(",\"count\":");
        private static final byte[] DATE = ascii(",\"date\":\"");
        private static final byte[] ID = ascii(",\"id\":\"");
        private static final byte[] OFFICE = ascii(",\"office\":");
        private static final byte[] PARTICIPANTS = ascii(",\"participants\":[");
        private static final byte[] TALLY_COUNT = ascii("{\"count\":");
        private static final byte[] GROUP = ascii(",\"group\":");
        private static final byte[] SEX = ascii(",\"sex\":");
        private static final byte[] PROGRAM = ascii(",\"program\":");
        private static final byte[] SUBJECT_AGE = ascii(",\"subject\":{\"age\":");
        private static final byte[] KEY = ascii(",\"key\":");
        private static final byte[] ROLE = ascii(",\"role\":");
        private static final byte[] TYPE = ascii(",\"type\":");
        private static final byte[] NULL = ascii("null");
        private static final byte[] TRUE = ascii("true");
        private static final byte[] FALSE = ascii("false");

        private final MessageDigest sha256 = SHA_256.get();
        private byte[] out = new byte[512];
        private int size;

        private static byte[] ascii(String text) {
            return text.getBytes(StandardCharsets.US_ASCII);
        }

        /** The form, or null when some text is not plain (then Jackson writes it). */
        Form of(PseudonymousRecord r) {
            size = 0;
            write(ATTRIBUTES);
            Map<String, Object> attributes = r.attributes().size() < 2 ? r.attributes() : new TreeMap<>(r.attributes());
            boolean first = true;
            for (Map.Entry<String, Object> a : attributes.entrySet()) {
                if (!first) {
                    write((byte) ',');
                }
                first = false;
                if (!string(a.getKey())) {
                    return null;
                }
                write((byte) ':');
                Object value = a.getValue();
                if (value instanceof String text) {
                    if (!string(text)) {
                        return null;
                    }
                } else if (value instanceof Long number) {
                    number(number);
                } else if (value instanceof Boolean flag) {
                    write(flag ? TRUE : FALSE);
                } else {
                    return null;
                }
            }
            write((byte) '}');
            write(COUNT);
            number(r.count());
            write(DATE);
            if (!day(r.date())) {
                return null;
            }
            write(ID);
            uuid(r.id());
            write((byte) '"');
            write(OFFICE);
            if (!string(r.office())) {
                return null;
            }
            if (!r.participants().isEmpty()) {
                write(PARTICIPANTS);
                boolean firstTally = true;
                for (ParticipantTally t : r.participants()) {
                    if (!firstTally) {
                        write((byte) ',');
                    }
                    firstTally = false;
                    write(TALLY_COUNT);
                    number(t.count());
                    write(GROUP);
                    if (!string(t.group())) {
                        return null;
                    }
                    write(SEX);
                    if (!string(t.sex())) {
                        return null;
                    }
                    write((byte) '}');
                }
                write((byte) ']');
            }
            write(PROGRAM);
            if (!string(r.program())) {
                return null;
            }
            if (r.subject() != null) {
                write(SUBJECT_AGE);
                if (r.subject().age() == null) {
                    write(NULL);
                } else {
                    number(r.subject().age());
                }
                write(KEY);
                if (r.subject().key() == null) {
                    write(NULL);
                } else {
                    write((byte) '"');
                    uuid(r.subject().key());
                    write((byte) '"');
                }
                write(ROLE);
                if (!string(r.subject().role())) {
                    return null;
                }
                write(SEX);
                if (!string(r.subject().sex())) {
                    return null;
                }
                write((byte) '}');
            }
            write(TYPE);
            if (!string(r.type())) {
                return null;
            }
            write((byte) '}');
            sha256.update(out, 0, size);
            return new Form(new String(out, 0, size, StandardCharsets.ISO_8859_1), HexFormat.of().formatHex(sha256.digest()));
        }

        /** A text between quotes, or null as null; false when Jackson would escape a character of it. */
        private boolean string(String text) {
            if (text == null) {
                write(NULL);
                return true;
            }
            ensure(text.length() + 2);
            byte[] b = out;
            int at = size;
            b[at++] = '"';
            for (int i = 0, n = text.length(); i < n; i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                    return false;
                }
                b[at++] = (byte) c;
            }
            b[at++] = '"';
            size = at;
            return true;
        }

        /** A day as LocalDate writes it, for the four-digit years Validate admits; false for any other. */
        private boolean day(LocalDate date) {
            int year = date.getYear();
            if (year < 1000 || year > 9999) {
                return false;
            }
            ensure(11);
            digits(year, 4);
            out[size++] = '-';
            digits(date.getMonthValue(), 2);
            out[size++] = '-';
            digits(date.getDayOfMonth(), 2);
            out[size++] = '"';
            return true;
        }

        private void digits(int value, int count) {
            for (int i = count - 1; i >= 0; i--) {
                out[size + i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            size += count;
        }

        /** A UUID as {@link UUID#toString()} writes it. */
        private void uuid(UUID id) {
            ensure(36);
            hex(id.getMostSignificantBits() >>> 32, 8);
            out[size++] = '-';
            hex(id.getMostSignificantBits() >>> 16, 4);
            out[size++] = '-';
            hex(id.getMostSignificantBits(), 4);
            out[size++] = '-';
            hex(id.getLeastSignificantBits() >>> 48, 4);
            out[size++] = '-';
            hex(id.getLeastSignificantBits(), 12);
        }

        private void hex(long value, int count) {
            for (int i = count - 1; i >= 0; i--) {
                out[size + i] = HEX_DIGITS[(int) (value & 0xF)];
                value >>>= 4;
            }
            size += count;
        }

        private void number(long value) {
            write(Long.toString(value));
        }

        private void write(String ascii) {
            ensure(ascii.length());
            for (int i = 0; i < ascii.length(); i++) {
                out[size++] = (byte) ascii.charAt(i);
            }
        }

        private void write(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, out, size, bytes.length);
            size += bytes.length;
        }

        private void write(byte b) {
            ensure(1);
            out[size++] = b;
        }

        private void ensure(int more) {
            if (size + more > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
            }
        }
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

package org.tonle.pipelines;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;

/**
 * A record of the usual shape read straight from its line's bytes with Jackson's streaming
 * parser, without building a tree: the bulk path's shortcut. Only a line that holds one JSON
 * object of the fields an activity record may have, each of the JSON type the record wants
 * (text, whole numbers that fit a {@code long}, booleans, nulls), with no member twice and
 * nothing after it, becomes a draft; any other line is parsed into a tree as before.
 *
 * <p>A draft is a guess that the record is valid. {@link Pseudonymise} gives it its subject key
 * and redacts case codes from its text, as it does for a tree; {@link Validate} accepts it only
 * when the rules it would apply to the tree find nothing. Whenever a draft is not accepted, the
 * record's tree is built from the same bytes and goes through the same steps as before
 * ({@link Item#node()}), so every reason, the dead letter and the rejected body come from the
 * one path that always wrote them.
 */
final class Draft {

    private static final ObjectMapper JSON = Json.MAPPER;

    /** Thrown, without a stack trace, when a line is not of the shape a draft takes. */
    private static final class NotADraft extends Exception {
        NotADraft() {
            super(null, null, false, false);
        }
    }

    private static final NotADraft NOT_A_DRAFT = new NotADraft();

    /** Attribute names checked for a repeat by a scan; more are checked with a set. */
    private static final int FEW_ATTRIBUTES = 16;

    /** The value of an attribute that was sent as JSON null. */
    static final Object NULL = new Object();

    final byte[] bytes;
    final int from;
    final int to;
    final Map<String, String> defaults;

    String id;
    String program;
    String type;
    String office;
    String date;
    boolean subjectPresent;
    String ref;
    String role;
    String sex;
    Long age;
    UUID key;
    Long count;
    final List<String> attributeNames = new ArrayList<>(4);
    final List<Object> attributeValues = new ArrayList<>(4);
    List<Tally> tallies;
    /** The text attributes Pseudonymise redacted: name and the redacted text. */
    Map<String, String> redacted;

    /** A participant tally as sent; count null when it was left out. */
    record Tally(String group, String sex, Integer count) {
    }

    private Draft(byte[] bytes, int from, int to, Map<String, String> defaults) {
        this.bytes = bytes;
        this.from = from;
        this.to = to;
        this.defaults = defaults;
    }

    /** The draft of a line of ASCII bytes, or null when the line is not of the shape a draft takes. */
    static Draft of(byte[] bytes, int from, int to, Map<String, String> defaults) {
        Draft draft = new Draft(bytes, from, to, defaults);
        try (JsonParser p = JSON.createParser(bytes, from, to - from)) {
            draft.read(p);
            if (p.nextToken() != null) {
                return null; // something after the object: the tree path says what
            }
        } catch (NotADraft | IOException | RuntimeException e) {
            return null;
        }
        return draft.applyDefaults() ? draft : null;
    }

    private void read(JsonParser p) throws IOException, NotADraft {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw NOT_A_DRAFT;
        }
        int seen = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            int bit = switch (name) {
                case "id" -> 1;
                case "program" -> 2;
                case "type" -> 4;
                case "office" -> 8;
                case "date" -> 16;
                case "subject" -> 32;
                case "count" -> 64;
                case "attributes" -> 128;
                case "participants" -> 256;
                default -> throw NOT_A_DRAFT;
            };
            if ((seen & bit) != 0) {
                throw NOT_A_DRAFT;
            }
            seen |= bit;
            JsonToken value = p.nextToken();
            switch (bit) {
                case 1 -> id = text(p, value);
                case 2 -> program = text(p, value);
                case 4 -> type = text(p, value);
                case 8 -> office = text(p, value);
                case 16 -> date = text(p, value);
                case 32 -> subject(p, value);
                case 64 -> count = whole(p, value);
                case 128 -> attributes(p, value);
                default -> participants(p, value);
            }
        }
    }

    private static String text(JsonParser p, JsonToken value) throws IOException, NotADraft {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        throw NOT_A_DRAFT;
    }

    /** A whole number that fits a long (as the tree's IntNode or LongNode); null for JSON null. */
    private static Long whole(JsonParser p, JsonToken value) throws IOException, NotADraft {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) {
                return p.getLongValue();
            }
        }
        throw NOT_A_DRAFT;
    }

    private void subject(JsonParser p, JsonToken value) throws IOException, NotADraft {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            throw NOT_A_DRAFT;
        }
        subjectPresent = true;
        int seen = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            // No "key": only trusted paths may carry one, and they are rare; the tree path decides.
            int bit = switch (name) {
                case "ref" -> 1;
                case "role" -> 2;
                case "sex" -> 4;
                case "age" -> 8;
                default -> throw NOT_A_DRAFT;
            };
            if ((seen & bit) != 0) {
                throw NOT_A_DRAFT;
            }
            seen |= bit;
            JsonToken v = p.nextToken();
            switch (bit) {
                case 1 -> ref = text(p, v);
                case 2 -> role = text(p, v);
                case 4 -> sex = text(p, v);
                default -> age = whole(p, v);
            }
        }
    }

    private void attributes(JsonParser p, JsonToken value) throws IOException, NotADraft {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            throw NOT_A_DRAFT;
        }
        // A scan of the names read so far is quickest for the few a record has; a line of very many
        // (a body may be 64 MB) would make it quadratic, so from a few on a set checks them.
        Set<String> names = null;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            if (names == null && attributeNames.size() == FEW_ATTRIBUTES) {
                names = new HashSet<>(attributeNames);
            }
            if (names != null ? !names.add(name) : attributeNames.contains(name)) {
                throw NOT_A_DRAFT;
            }
            JsonToken v = p.nextToken();
            Object held = switch (v) {
                case VALUE_STRING -> p.getText();
                case VALUE_NUMBER_INT -> whole(p, v);
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NULL -> NULL;
                default -> throw NOT_A_DRAFT;
            };
            attributeNames.add(name);
            attributeValues.add(held);
        }
    }

    private void participants(JsonParser p, JsonToken value) throws IOException, NotADraft {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_ARRAY) {
            throw NOT_A_DRAFT;
        }
        tallies = new ArrayList<>(4);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.START_OBJECT) {
                throw NOT_A_DRAFT;
            }
            String group = null;
            String tallySex = null;
            Integer n = null;
            int seen = 0;
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String name = p.currentName();
                int bit = switch (name) {
                    case "group" -> 1;
                    case "sex" -> 2;
                    case "count" -> 4;
                    default -> throw NOT_A_DRAFT;
                };
                if ((seen & bit) != 0) {
                    throw NOT_A_DRAFT;
                }
                seen |= bit;
                JsonToken v = p.nextToken();
                switch (bit) {
                    case 1 -> group = text(p, v);
                    case 2 -> tallySex = text(p, v);
                    default -> {
                        // As the tree's count: an int (IntNode), else the tree path decides.
                        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                            throw NOT_A_DRAFT;
                        }
                        n = p.getIntValue();
                    }
                }
            }
            tallies.add(new Tally(group, tallySex, n));
        }
    }

    /** The source's defaults for top-level fields left out or null; false for a default a draft cannot hold. */
    private boolean applyDefaults() {
        for (Map.Entry<String, String> d : defaults.entrySet()) {
            String value = d.getValue();
            switch (d.getKey()) {
                case "id" -> id = id != null ? id : value;
                case "program" -> program = program != null ? program : value;
                case "type" -> type = type != null ? type : value;
                case "office" -> office = office != null ? office : value;
                case "date" -> date = date != null ? date : value;
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    /** Replaces the text of the attribute at place (named name) by its redacted form (for the draft and for its tree, if one is built). */
    void redact(int place, String name, String text) {
        attributeValues.set(place, text);
        if (redacted == null) {
            redacted = new HashMap<>();
        }
        redacted.put(name, text);
    }

    /** The line's tree with the source's defaults, exactly as the tree path reads it. */
    ObjectNode tree() {
        try {
            JsonNode node = JSON.readTree(bytes, from, to - from);
            ObjectNode record = (ObjectNode) node;
            defaults.forEach((field, value) -> {
                if (!record.hasNonNull(field)) {
                    record.put(field, value);
                }
            });
            return record;
        } catch (IOException e) {
            // A draft is only made of a line the streaming parser read whole as one object.
            throw new IllegalStateException("a record read once could not be read again", e);
        }
    }
}

package org.tonle.pipelines.imports;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.pipelines.SubjectKeys;
import org.tonle.pipelines.Validate;
import org.tonle.programme.api.Violation;

/**
 * Record ids for spreadsheets (DESIGN.md 9.5). A spreadsheet cannot make UUIDs, so in CSV and
 * xlsx files {@code id} may be any stable key of 1 to {@value #MAX_LENGTH} characters
 * ({@code PNH-2015-08-0017}); such a key becomes the name-based UUID (version 5, RFC 9562), in
 * the organisation's namespace, of the keyed hash of {@code office + "/" + key} under the
 * organisation's pseudonymisation key ({@link SubjectKeys#recordKeyName}). The same row therefore
 * always gets the same id, on every node of the organisation, and importing a sheet twice gives
 * duplicates, never doubles. The hash is keyed because keys are sometimes built from case codes
 * and the namespace is no secret (it is logged and copied between nodes): the plain UUID v5 of a
 * patterned key is found again from a record id by hashing guesses (attack review r2). An id that
 * is already a UUID is kept as it is.
 */
public final class RecordKeys {

    public static final int MAX_LENGTH = 128;

    private final UUID namespace;
    private final SubjectKeys keys;

    /**
     * @param namespace the organisation's namespace ({@code organisation.namespace} in tonle.yaml)
     * @param keys      the organisation's pseudonymisation key
     */
    public RecordKeys(UUID namespace, SubjectKeys keys) {
        this.namespace = namespace;
        this.keys = keys;
    }

    public UUID namespace() {
        return namespace;
    }

    /** The id a key of an office gets. */
    public UUID id(String office, String key) {
        return v5(namespace, keys.recordKeyName(office + "/" + key));
    }

    /**
     * Replaces a key in the record's {@code id} by its UUID. Returns the problem when the key
     * cannot be one (too long, or no office to place it in), else null. The reason never quotes
     * the key: office staff sometimes build keys from case codes.
     *
     * @param where "line 7" or "row 7", as the file's reader names a record
     */
    Violation resolve(ObjectNode record, String where) {
        if (!record.path("id").isTextual()) {
            return null;
        }
        String key = record.get("id").asText();
        if (Validate.isUuid(key)) {
            return null;
        }
        if (key.length() > MAX_LENGTH) {
            return new Violation("id", "key_length", where + ": the id is " + key.length() + " characters long; an id that is not"
                    + " a UUID is a key of 1 to " + MAX_LENGTH + " characters (e.g. PNH-2015-08-0017)");
        }
        String office = record.path("office").isTextual() ? record.get("office").asText().strip() : "";
        if (office.isEmpty()) {
            return new Violation("id", "key_office", where + ": an id that is not a UUID is a key within an office, and the"
                    + " record has no office");
        }
        record.put("id", id(office, key).toString());
        return null;
    }

    /**
     * The version-5 UUID of {@code name} in {@code namespace} (RFC 9562 section 5.5): SHA-1 of the
     * namespace's 16 bytes and the name's UTF-8 bytes, with the version and variant bits set.
     * The JDK offers only version 3 (MD5), so the few lines are written here; the tests check
     * them against the RFC's own example.
     */
    public static UUID v5(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits()).array());
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }
}

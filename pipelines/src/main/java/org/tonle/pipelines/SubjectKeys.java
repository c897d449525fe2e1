package org.tonle.pipelines;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pseudonymises subject refs with HMAC-SHA-256 under the organisation's key (DESIGN.md
 * section 2). The key is a file of 32 random bytes (base64), owner-only; the key of one
 * organisation must be the same on every node so that figures agree.
 */
public final class SubjectKeys {

    private static final String ALGORITHM = "HmacSHA256";
    private static final String FINGERPRINT_INPUT = "tonle key fingerprint";

    private static final String LINE_KEY_INPUT = "tonle unparsed line key";
    private static final String RECORD_KEY_INPUT = "tonle spreadsheet record key";

    private final byte[] key;
    private final ThreadLocal<Mac> mac;
    private final ThreadLocal<Mac> lineMac;
    private final ThreadLocal<Mac> recordKeyMac;

    private SubjectKeys(byte[] key) {
        this.key = key;
        this.mac = macOf(key);
        // A key of its own (HKDF-style: HMAC of a label under the node's key), so the hash of a
        // line that holds nothing but a case code is not that person's pseudonym.
        this.lineMac = macOf(macOf(key).get().doFinal(LINE_KEY_INPUT.getBytes(StandardCharsets.US_ASCII)));
        this.recordKeyMac = macOf(macOf(key).get().doFinal(RECORD_KEY_INPUT.getBytes(StandardCharsets.US_ASCII)));
    }

    private static ThreadLocal<Mac> macOf(byte[] key) {
        SecretKeySpec spec = new SecretKeySpec(key, ALGORITHM);
        return ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance(ALGORITHM);
                m.init(spec);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA-256 is not available", e);
            }
        });
    }

    public static SubjectKeys of(byte[] key) {
        return new SubjectKeys(key.clone());
    }

    /** Reads the key file, or creates it (owner-only) when {@code create} is set and it is missing. */
    public static SubjectKeys fromFile(Path file, boolean create) {
        try {
            if (!Files.exists(file)) {
                if (!create) {
                    throw new IllegalStateException("the pseudonymisation key " + file + " is missing");
                }
                OwnerOnly.createDirectories(file.toAbsolutePath().getParent());
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                // Owner-only from its creation: there is no moment when others could open it.
                OwnerOnly.createFile(file, (Base64.getEncoder().encodeToString(fresh) + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (key.length < 32) {
                throw new IllegalStateException("the pseudonymisation key " + file + " is shorter than 32 bytes");
            }
            return new SubjectKeys(key);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the pseudonymisation key " + file + ": " + e.getMessage(), e);
        }
    }

    /** The pseudonymous key of a ref: the first 128 bits of HMAC-SHA-256 of the trimmed ref. */
    public UUID pseudonym(String ref) {
        ByteBuffer hash = ByteBuffer.wrap(hmac(ref.trim()));
        return new UUID(hash.getLong(), hash.getLong());
    }

    /**
     * The keyed hash (hex HMAC-SHA-256) of a line that could not be parsed, kept instead of its
     * text. Keyed because a plain SHA-256 of a short line (a bare case code, a cut-off record)
     * can be found again by hashing guesses: case codes are few and patterned.
     */
    public String lineHash(String line) {
        return HexFormat.of().formatHex(lineMac.get().doFinal(line.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The keyed stand-in (hex HMAC-SHA-256 under a key of its own) for a spreadsheet row's key
     * {@code office/key}, from which its record id is made (imports' RecordKeys). Keyed for the
     * reason lines are: office staff sometimes build row keys from case codes, and the record id
     * is in the analytics views, rejections and the audit log, so an unkeyed hash of a patterned
     * key would be found again by hashing guesses. Every node of an organisation holds the same
     * key, so every node gives a row the same id.
     */
    public String recordKeyName(String officeAndKey) {
        return HexFormat.of().formatHex(recordKeyMac.get().doFinal(officeAndKey.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A key for another purpose (HKDF-style: HMAC-SHA-256 of a label under the node's key), so
     * that no use of the node's key can be turned into another.
     */
    byte[] derive(String label) {
        return macOf(key).get().doFinal(label.getBytes(StandardCharsets.US_ASCII));
    }

    /** Identifies the key without revealing it; stored in the warehouse to catch a changed key. */
    public String fingerprint() {
        return HexFormat.of().formatHex(hmac(FINGERPRINT_INPUT), 0, 16);
    }

    private byte[] hmac(String text) {
        return mac.get().doFinal(text.getBytes(StandardCharsets.UTF_8));
    }
}

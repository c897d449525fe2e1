package org.tonle.pipelines;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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

    private final ThreadLocal<Mac> mac;

    private SubjectKeys(byte[] key) {
        SecretKeySpec spec = new SecretKeySpec(key, ALGORITHM);
        this.mac = ThreadLocal.withInitial(() -> {
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
                Files.createDirectories(file.toAbsolutePath().getParent());
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    file.toFile().setReadable(false, false);
                    file.toFile().setReadable(true, true);
                }
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

    /** Identifies the key without revealing it; stored in the warehouse to catch a changed key. */
    public String fingerprint() {
        return HexFormat.of().formatHex(hmac(FINGERPRINT_INPUT), 0, 16);
    }

    private byte[] hmac(String text) {
        return mac.get().doFinal(text.getBytes(StandardCharsets.UTF_8));
    }
}

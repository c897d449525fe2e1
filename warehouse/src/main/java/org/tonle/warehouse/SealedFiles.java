package org.tonle.warehouse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Files of an encrypted warehouse's node that are not DuckDB's (the indicator cube's
 * {@code indicator-cube.bin}), sealed at rest as the warehouse is: the JDK's AES-256-GCM under a
 * key derived from the warehouse key for this purpose alone (HMAC-SHA256 of a label), a fresh
 * random 96-bit nonce per file, a 128-bit tag, the format mark as associated data. A file is
 * {@code <mark><nonce><ciphertext+tag>}; it opens only with the warehouse's key, and a changed
 * byte is found.
 */
public final class SealedFiles {

    private static final byte[] MARK = "tonle-sealed-file-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    SealedFiles(WarehouseKey warehouseKey, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(warehouseKey.key(), "HmacSHA256"));
            this.key = new SecretKeySpec(mac.doFinal(("tonle warehouse file key: " + purpose).getBytes(StandardCharsets.UTF_8)), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /**
     * A stream that writes what it is given sealed into {@code out}: the mark and nonce at once,
     * the ciphertext as it comes, the tag at {@link OutputStream#close()}, which flushes
     * {@code out} but leaves it open (the caller may force it to disk, then close it).
     */
    public OutputStream seal(OutputStream out) throws IOException {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce);
        out.write(MARK);
        out.write(nonce);
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                byte[] sealed = cipher.update(b, off, len);
                if (sealed != null) {
                    out.write(sealed);
                }
            }

            @Override
            public void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    out.write(cipher.doFinal());
                } catch (GeneralSecurityException e) {
                    throw new IOException("cannot seal the file: " + e.getMessage(), e);
                }
                out.flush();
            }
        };
    }

    /** What {@link #seal} sealed; an IOException for a file of another key, another format or a changed byte. */
    public byte[] open(byte[] sealed) throws IOException {
        if (sealed.length < MARK.length + NONCE_BYTES + TAG_BITS / 8 || !Arrays.equals(sealed, 0, MARK.length, MARK, 0, MARK.length)) {
            throw new IOException("not a sealed file of this release");
        }
        Cipher cipher = cipher(Cipher.DECRYPT_MODE, Arrays.copyOfRange(sealed, MARK.length, MARK.length + NONCE_BYTES));
        try {
            int from = MARK.length + NONCE_BYTES;
            return cipher.doFinal(sealed, from, sealed.length - from);
        } catch (AEADBadTagException e) {
            throw new IOException("the sealed file was changed, or sealed with another warehouse key", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot open the sealed file: " + e.getMessage(), e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(MARK);
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    @Override
    public String toString() {
        return "SealedFiles[key hidden]";
    }
}

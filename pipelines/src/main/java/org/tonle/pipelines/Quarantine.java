package org.tonle.pipelines;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keeps an intake file that could not be read, encrypted under the node's key, so an operator
 * can recover and fix it while nothing on disk shows the raw case code it holds (DESIGN.md 2,
 * 9.2). The JDK's AES-256-GCM: a fresh random 96-bit nonce per file, a 128-bit tag, the format
 * mark as associated data; the AES key is derived from the node's key for this purpose alone.
 * Files are {@code <mark><nonce><ciphertext+tag>}, owner-only. Whoever holds the node's key
 * (it is in every backup) can open them; nobody else can read or alter them undetected.
 */
public final class Quarantine {

    /** The suffix of a sealed file. */
    public static final String SUFFIX = ".sealed";
    private static final byte[] MARK = "tonle-sealed-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final String KEY_LABEL = "tonle quarantine key";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public Quarantine(SubjectKeys keys) {
        this.key = new SecretKeySpec(keys.derive(KEY_LABEL), "AES");
    }

    /**
     * Writes {@code content} sealed into {@code folder} (created owner-only if missing) as
     * {@code <name>.sealed}, or {@code <name>-2.sealed} ... when that exists.
     *
     * @return the sealed file
     */
    public Path seal(Path folder, String name, byte[] content) throws IOException {
        OwnerOnly.createDirectories(folder);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(MARK);
            sealed = cipher.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
        for (int n = 1; ; n++) {
            Path file = folder.resolve(name + (n == 1 ? "" : "-" + n) + SUFFIX);
            try (OutputStream out = OwnerOnly.newFile(file)) {
                out.write(MARK);
                out.write(nonce);
                out.write(sealed);
                return file;
            } catch (FileAlreadyExistsException taken) {
                // the same name failed before: keep both
            }
        }
    }

    /** The content of a sealed file. */
    public byte[] open(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < MARK.length + NONCE_BYTES || !Arrays.equals(bytes, 0, MARK.length, MARK, 0, MARK.length)) {
            throw new IOException(file + " is not a file sealed by Tonle");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, MARK.length, bytes.length - MARK.length);
        byte[] nonce = new byte[NONCE_BYTES];
        in.get(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(MARK);
            return cipher.doFinal(bytes, MARK.length + NONCE_BYTES, bytes.length - MARK.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new IOException(file + " was sealed under another key, or was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }
}

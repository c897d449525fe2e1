package org.tonle.core.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a bearer token: what access.yaml stores instead of the token, and a principal's
 * id wherever one caller must be told from another (Flight SQL sessions), since names may repeat
 * across files but a token's digest cannot.
 */
public final class TokenDigest {

    private TokenDigest() {
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }
}

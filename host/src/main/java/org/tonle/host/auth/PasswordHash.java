package org.tonle.host.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Passwords as Argon2id hashes (RFC 9106), computed by Bouncy Castle's
 * {@link Argon2BytesGenerator}, in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (unpadded base64), the format of the
 * reference implementation and of {@code argon2} on the command line.
 *
 * <p>Parameters: 19 MiB of memory, 2 passes, 1 lane, a 16-byte random salt and a 32-byte hash,
 * OWASP's recommended minimum for Argon2id (37 ms median per hash on the 2-core build machine). A
 * stored hash carries its own parameters, so raising them later still verifies old hashes.
 */
public final class PasswordHash {

    static final int MEMORY_KIB = 19_456;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    /** Longer passwords are refused before hashing: a megabyte password must not cost the node. */
    public static final int MAX_PASSWORD_CHARS = 1024;
    public static final int MIN_PASSWORD_CHARS = 10;
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * At most this many hashes at once (one per core): each takes 19 MiB, and a burst of
     * sign-ins on every request thread must not exhaust the heap or the processors.
     */
    private static final Semaphore AT_ONCE = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    /** Verified against when a name is unknown, so that an unknown name costs what a wrong password costs. */
    private static final String DUMMY = hash("not a password of anyone".toCharArray());

    private PasswordHash() {
    }

    /** A new Argon2id hash of {@code password} with a fresh salt. */
    public static String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = compute(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Whether {@code encoded} is a hash this class can verify (users.yaml is checked with it). */
    public static boolean wellFormed(String encoded) {
        return encoded != null && PHC.matcher(encoded).matches();
    }

    /** Whether {@code password} matches {@code encoded}, compared in constant time; a malformed hash never matches. */
    public static boolean verify(char[] password, String encoded) {
        Matcher m = encoded == null ? null : PHC.matcher(encoded);
        if (m == null || !m.matches()) {
            return false;
        }
        byte[] salt = B64D.decode(m.group(4));
        byte[] expected = B64D.decode(m.group(5));
        byte[] actual = compute(password, salt, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    /** Spends the time of one verification and fails: for a name nobody has. */
    public static boolean verifyDummy(char[] password) {
        verify(password, DUMMY);
        return false;
    }

    private static byte[] compute(char[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[length];
        AT_ONCE.acquireUninterruptibly();
        try {
            generator.generateBytes(password, out); // UTF-8, Bouncy Castle's default for Argon2
        } finally {
            AT_ONCE.release();
        }
        return out;
    }
}

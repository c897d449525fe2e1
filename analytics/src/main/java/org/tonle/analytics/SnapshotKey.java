package org.tonle.analytics;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The key the analyst snapshots of an encrypted warehouse are encrypted with (DuckDB database
 * encryption, as the warehouse file): 32 random bytes made when the node starts, held in memory
 * only and handed to the analyst workers over their standard input with each statement; never
 * on a command line, in an environment, in a file or in a log. The snapshots of the last run are
 * deleted at start, so no file outlives the key that opens it.
 */
final class SnapshotKey {

    private final String text;

    private SnapshotKey(String text) {
        this.text = text;
    }

    static SnapshotKey random() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SnapshotKey(HexFormat.of().formatHex(key));
    }

    /** The key as DuckDB's ENCRYPTION_KEY takes it. */
    String text() {
        return text;
    }

    /** {@code message} (DuckDB's, which may quote the statement) with the key taken out. */
    static String redacted(String message, String key) {
        return key == null || key.isEmpty() ? String.valueOf(message) : String.valueOf(message).replace(key, "<the snapshot key>");
    }

    @Override
    public String toString() {
        return "SnapshotKey[hidden]";
    }
}

package org.tonle.warehouse;

import java.time.Instant;

/**
 * A rejected record as the dead-letter store keeps it. {@code body} is the parsed record with
 * its subject ref pseudonymised, or null for a line that could not be parsed: such a line's
 * text is never kept (DESIGN.md 9.2), only its length in UTF-8 bytes and a keyed hash
 * ({@code lineHash}, HMAC-SHA-256 under a key derived from the node's key, hex), which tell a
 * resent line from another without letting anyone without the key guess a short line back.
 */
public record DeadLetter(
        long id,
        Instant receivedAt,
        String principal,
        String source,
        int line,
        String recordId,
        String program,
        String office,
        String field,
        String rule,
        String reason,
        String body,
        Integer lineLength,
        String lineHash,
        String status) {
}

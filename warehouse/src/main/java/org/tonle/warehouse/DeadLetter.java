package org.tonle.warehouse;

/**
 * A rejected record as the dead-letter store keeps it. {@code body} never holds a raw subject
 * ref: it is the record with its ref pseudonymised, or a malformed line with ref-shaped values
 * hashed.
 */
public record DeadLetter(
        long id,
        java.time.Instant receivedAt,
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
        String status) {
}

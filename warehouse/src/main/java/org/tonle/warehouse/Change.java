package org.tonle.warehouse;

import java.time.Instant;
import java.util.Locale;
import java.util.UUID;


/**
 * One write to commit: a new record, a correction or a void.
 *
 * @param record     the pseudonymised record, or {@code null} for a void
 * @param body       the pseudonymised record as canonical JSON, kept as the version's body
 */
public record Change(
        UUID recordId,
        int version,
        Action action,
        String contentHash,
        String body,
        PseudonymousRecord record,
        String recordedBy,
        String source,
        Instant recordedAt) {

    public enum Action {
        CREATE, CORRECT, VOID;

        private final String id = name().toLowerCase(Locale.ROOT);

        public String id() {
            return id;
        }
    }
}

package org.tonle.warehouse;

import java.time.Instant;
import java.util.UUID;

import org.tonle.programme.api.ActivityRecord;

/**
 * One write to commit: a new record, a correction or a void.
 *
 * @param record     the pseudonymised record (its subject ref is the pseudonymous key), or
 *                   {@code null} for a void
 * @param subjectKey the pseudonymous subject, {@code null} for no subject or an anonymous one
 * @param body       the pseudonymised record as canonical JSON, kept as the version's body
 */
public record Change(
        UUID recordId,
        int version,
        Action action,
        String contentHash,
        String body,
        ActivityRecord record,
        UUID subjectKey,
        String recordedBy,
        String source,
        Instant recordedAt) {

    public enum Action {
        CREATE, CORRECT, VOID;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}

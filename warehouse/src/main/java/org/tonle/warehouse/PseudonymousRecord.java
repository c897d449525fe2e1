package org.tonle.warehouse;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.ParticipantTally;

/**
 * A valid activity record after the pipeline's first hop: what the warehouse stores and the
 * indicators count. It has no place for a raw subject ref, only the pseudonymous key, so no
 * step after pseudonymisation can hold one by mistake (DESIGN.md section 2).
 *
 * @param subject the person the activity concerns, or {@code null} for an activity with none
 */
public record PseudonymousRecord(
        UUID id,
        String program,
        String type,
        String office,
        LocalDate date,
        Subject subject,
        int count,
        Map<String, Object> attributes,
        List<ParticipantTally> participants) {

    /**
     * @param key the keyed hash of the subject's ref; {@code null} for an anonymous person (a
     *            hotline caller), who counts once wherever they appear
     */
    public record Subject(UUID key, String role, String sex, Integer age) {
    }

    public PseudonymousRecord {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        participants = participants == null ? List.of() : List.copyOf(participants);
    }

    /** The subject's key, or {@code null} for no subject or an anonymous one. */
    public UUID subjectKey() {
        return subject == null ? null : subject.key();
    }

    /**
     * The record as programme bundles see it (their {@code RecordCheck}s): the API's subject
     * carries the key's text where a raw record carries the ref, as the API documents.
     */
    public ActivityRecord asProgrammeRecord() {
        org.tonle.programme.api.Subject s = subject == null ? null : new org.tonle.programme.api.Subject(
                subject.key() == null ? null : subject.key().toString(), subject.role(), subject.sex(), subject.age());
        return new ActivityRecord(id.toString(), program, type, office, date, s, count, attributes, participants);
    }
}

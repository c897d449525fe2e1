package org.tonle.programme.api;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * One activity record (DESIGN.md section 4). {@code id} is the idempotency key.
 *
 * @param id          UUID text, required
 * @param program     programme id
 * @param type        activity id within the programme
 * @param office      office code
 * @param date        the day the activity took place
 * @param subject     the person the activity concerns, or {@code null}
 * @param count       how many times or people, at least 1
 * @param attributes  values of the activity's declared attributes (text, numbers, booleans, ISO dates)
 * @param participants participant tallies, where the activity declares them
 */
public record ActivityRecord(
        String id,
        String program,
        String type,
        String office,
        LocalDate date,
        Subject subject,
        int count,
        Map<String, Object> attributes,
        List<ParticipantTally> participants) {

    public ActivityRecord {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        participants = participants == null ? List.of() : List.copyOf(participants);
    }
}

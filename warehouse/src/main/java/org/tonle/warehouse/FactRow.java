package org.tonle.warehouse;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.tonle.core.Dimensions;
import org.tonle.programme.api.ParticipantTally;

/**
 * The facts of one live record version as the warehouse holds them: what a
 * {@link CommitListener} learns was added or removed by a commit.
 *
 * @param subjectKey the pseudonymous subject, {@code null} for an anonymous person or no subject
 * @param attributes the record's attribute values (enum values are strings)
 */
public record FactRow(UUID recordId, String program, String activity, String office, LocalDate date, UUID subjectKey,
                      String role, String sex, String ageBand, int count, Map<String, Object> attributes,
                      List<ParticipantTally> tallies) {

    /** The facts a committed change writes, or {@code null} for a void. */
    static FactRow of(Change change) {
        PseudonymousRecord r = change.record();
        if (change.action() == Change.Action.VOID || r == null) {
            return null;
        }
        var s = r.subject();
        return new FactRow(change.recordId(), r.program(), r.type(), r.office(), r.date(), r.subjectKey(),
                s == null ? null : s.role(), s == null ? null : s.sex(),
                s == null ? null : Dimensions.ageBand(s.age()), r.count(), r.attributes(), r.participants());
    }
}

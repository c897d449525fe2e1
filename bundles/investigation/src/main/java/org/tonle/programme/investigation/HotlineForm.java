package org.tonle.programme.investigation;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.osgi.service.component.annotations.Component;
import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.IntakeTranslator;
import org.tonle.programme.api.Subject;

/**
 * Reads one submission of the online-abuse hotline's web form into a {@code case_intake}
 * record. The form's fields:
 *
 * <pre>{@code
 * {"submission_id": "web-2015-08-0001",      // the form's own id, unique per submission
 *  "received": "2015-08-14T09:12:00+07:00",  // or a plain day 2015-08-14
 *  "office": "PNH",
 *  "channel": "web",                         // optional; web unless the operator says hotline
 *  "online": true,                           // optional: the abuse happened online
 *  "child": {"case_code": "...", "sex": "F", "age": 14}}   // optional, all parts optional
 * }</pre>
 *
 * The record id is derived from the submission id, so a form sent twice is stored once. Field
 * checks are left to the host's validation, which names every fault in plain words.
 */
@Component(property = IntakeTranslator.NAME_PROPERTY + "=hotline")
public final class HotlineForm implements IntakeTranslator {

    @Override
    public List<ActivityRecord> translate(Map<String, Object> form, String source) {
        Object submissionId = form.get("submission_id");
        if (!(submissionId instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException(source + ": submission_id is missing; the web form must send one");
        }
        String id = UUID.nameUUIDFromBytes(("investigation/hotline/" + text).getBytes(StandardCharsets.UTF_8)).toString();
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("channel", form.getOrDefault("channel", "web"));
        if (form.get("online") != null) {
            attributes.put("online", form.get("online"));
        }
        return List.of(new ActivityRecord(id, "investigation", "case_intake", (String) form.get("office"),
                day(form.get("received"), source), subject(form.get("child")), 1, attributes, List.of()));
    }

    /** The child the report is about, as a victim; anonymous reports may leave every part out. */
    private static Subject subject(Object child) {
        if (!(child instanceof Map<?, ?> about)) {
            return null;
        }
        Object age = about.get("age");
        Object sex = about.get("sex");
        return new Subject(about.get("case_code") instanceof String code ? code : null, "victim",
                sex == null ? "U" : sex.toString(), age instanceof Number n ? n.intValue() : null);
    }

    private static LocalDate day(Object received, String source) {
        if (!(received instanceof String text)) {
            throw new IllegalArgumentException(source + ": received is missing; the web form must send the time it was filled in");
        }
        try {
            return text.length() == 10 ? LocalDate.parse(text) : OffsetDateTime.parse(text).toLocalDate();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(source + ": received must be a day (2015-08-14) or a time with offset"
                    + " (2015-08-14T09:12:00+07:00)");
        }
    }
}

package org.tonle.pipelines;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Dimensions;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.core.declaration.SubjectRule;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.programme.api.RecordCheck;
import org.tonle.programme.api.Violation;
import org.tonle.warehouse.PseudonymousRecord.Subject;
import org.tonle.warehouse.PseudonymousRecord;

/**
 * Checks each pending record against DESIGN.md section 4 and its programme's declaration, then
 * against the programme's own {@link RecordCheck}s. Every violation names the field and a
 * stable rule, in words a field officer understands; values are quoted only where they cannot
 * identify anyone (enum-like fields), never a subject ref or free text.
 */
public final class Validate {

    public static final LocalDate EARLIEST = LocalDate.of(2000, 1, 1);
    private static final ZoneOffset LATEST_ZONE = ZoneOffset.ofHours(14);

    static final Set<String> FIELDS =
            Set.of("id", "program", "type", "office", "date", "subject", "count", "attributes", "participants");
    static final Set<String> SUBJECT_FIELDS = Set.of("key", "role", "sex", "age");
    private static final Set<String> TALLY_FIELDS = Set.of("group", "sex", "count");

    /**
     * What a reason may repeat of what was sent: values shaped like the declaration's own ids
     * (lower-case letters and underscores: programmes, activities, enum values). Anything else
     * (a case code, a child's name, digits, long text) may be typed into the wrong field or
     * come from a shifted CSV column, and reasons are stored and answered; the field names the
     * place instead.
     */
    static final Pattern SHOWN = Pattern.compile("[a-z][a-z_]{0,39}");
    static final String NOT_SHOWN = "(name not shown)";

    private final ProgrammeRegistry programmes;
    private final Supplier<TonleConfig> config;
    private final Function<String, List<RecordCheck>> checks;
    private final Clock clock;

    public Validate(ProgrammeRegistry programmes, Supplier<TonleConfig> config,
                    Function<String, List<RecordCheck>> checks, Clock clock) {
        this.programmes = programmes;
        this.config = config;
        this.checks = checks;
        this.clock = clock;
    }

    public void process(Submission submission) {
        if (submission.mode() == Submission.Mode.VOID) {
            return; // a void carries no record, only the id it names
        }
        TonleConfig cfg = config.get();
        // "Not in the future" is judged where the day starts first (UTC+14): a node on UTC must not
        // refuse today's record from an office in Phnom Penh (UTC+7) before 07:00 local time.
        LocalDate today = LocalDate.now(clock.withZone(LATEST_ZONE));
        for (Item item : submission.items()) {
            if (!item.pending()) {
                continue;
            }
            if (item.draft() != null && !item.hasTree() && accepted(item, item.draft(), submission, cfg, today)) {
                continue;
            }
            List<Violation> violations = new ArrayList<>();
            PseudonymousRecord record = check(item.node(), submission, cfg, today, violations);
            if (record != null && violations.isEmpty()) {
                for (RecordCheck check : checks.apply(record.program())) {
                    try {
                        violations.addAll(check.check(record.asProgrammeRecord()));
                    } catch (RuntimeException e) {
                        violations.add(new Violation("", "programme_check",
                                "the " + record.program() + " programme's own check failed; the record was kept for replay"));
                    }
                }
            }
            if (violations.isEmpty()) {
                Canonical.Form canonical = Canonical.of(record);
                item.valid(record, canonical.json(), canonical.sha256());
            } else {
                item.rejectAll(violations);
            }
        }
    }

    /**
     * Accepts a draft whose record the checks below would find nothing wrong with; false for
     * any other, which then goes through them as a tree, so that every reason is theirs. Each
     * condition here is the negation of a violation of {@link #check} (or of a programme's own
     * check); ValidateDraftTest compares the two on random records.
     */
    private boolean accepted(Item item, Draft d, Submission submission, TonleConfig cfg, LocalDate today) {
        PseudonymousRecord record;
        try {
            record = record(d, submission, cfg, today);
        } catch (RuntimeException e) {
            return false; // whatever failed, the tree path meets it again and answers as it always did
        }
        if (record == null) {
            return false;
        }
        for (RecordCheck check : checks.apply(record.program())) {
            try {
                if (!check.check(record.asProgrammeRecord()).isEmpty()) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        Canonical.Form canonical = Canonical.of(record);
        item.valid(record, canonical.json(), canonical.sha256());
        return true;
    }

    /** The record of a draft that {@link #check} would accept as it is; null for any other. */
    private PseudonymousRecord record(Draft d, Submission submission, TonleConfig cfg, LocalDate today) {
        if (submission.mode() != Submission.Mode.CREATE || !filled(d.id) || !isUuid(d.id) || !filled(d.program)
                || !filled(d.type) || !filled(d.office) || !filled(d.date)) {
            return null;
        }
        Programme programme = programmes.programme(d.program).orElse(null);
        Activity activity = programme == null ? null : programme.activity(d.type).orElse(null);
        if (activity == null || cfg.office(d.office).isEmpty()
                || (submission.offices() != null && !submission.offices().contains(d.office))
                || !cfg.deployments().getOrDefault(d.office, List.of()).contains(d.program)) {
            return null;
        }
        LocalDate date;
        try {
            date = isoDay(d.date);
        } catch (DateTimeException e) {
            return null;
        }
        if (date.isAfter(today) || date.isBefore(EARLIEST)) {
            return null;
        }
        Subject subject = null;
        if (activity.subject() == SubjectRule.NONE) {
            if (d.subjectPresent) {
                return null;
            }
        } else if (!d.subjectPresent) {
            if (activity.subject() == SubjectRule.REQUIRED) {
                return null;
            }
        } else {
            if (d.role == null || !activity.roles().contains(d.role) || d.sex == null || !Dimensions.SEXES.contains(d.sex)
                    || (d.age != null && (d.age < 0 || d.age > 120))) {
                return null;
            }
            subject = new Subject(d.key, d.role, d.sex, d.age == null ? null : (int) (long) d.age);
        }
        int count = 1;
        if (d.count != null) {
            if (d.count < 1 || d.count > Integer.MAX_VALUE) {
                return null;
            }
            count = (int) (long) d.count;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < d.attributeNames.size(); i++) {
            Attribute attribute = activity.attribute(d.attributeNames.get(i)).orElse(null);
            if (attribute == null) {
                return null;
            }
            Object sent = d.attributeValues.get(i);
            if (sent == Draft.NULL) {
                continue;
            }
            Object value = attributeValue(attribute, sent);
            if (value == null) {
                return null;
            }
            values.put(attribute.name(), value);
        }
        for (Attribute attribute : activity.attributes()) {
            if (attribute.isRequired() && !values.containsKey(attribute.name())) {
                return null;
            }
        }
        List<ParticipantTally> participants = new ArrayList<>();
        if (d.tallies != null) {
            if (activity.participants() == null) {
                return null;
            }
            for (Draft.Tally tally : d.tallies) {
                if (tally.group() == null || !activity.participants().groups().contains(tally.group()) || tally.sex() == null
                        || !Dimensions.SEXES.contains(tally.sex()) || tally.count() == null || tally.count() < 0) {
                    return null;
                }
                participants.add(new ParticipantTally(tally.group(), tally.sex(), tally.count()));
            }
        }
        return new PseudonymousRecord(UUID.fromString(d.id), d.program, d.type, d.office, date, subject, count, values, participants);
    }

    private static boolean filled(String text) {
        return text != null && !text.isBlank();
    }

    /** A draft's attribute value as {@link #attributeValue(Attribute, JsonNode, String, List)} would keep it; null when it would not. */
    private static Object attributeValue(Attribute attribute, Object value) {
        switch (attribute.type()) {
            case ENUM -> {
                return value instanceof String text && attribute.values().contains(text) ? text : null;
            }
            case TEXT -> {
                return value instanceof String text && !(text.length() > attribute.maxLength()) ? text : null;
            }
            case INTEGER -> {
                if (!(value instanceof Long n) || (attribute.min() != null && n < attribute.min())
                        || (attribute.max() != null && n > attribute.max())) {
                    return null;
                }
                return n;
            }
            case BOOLEAN -> {
                return value instanceof Boolean b ? b : null;
            }
            case DATE -> {
                if (value instanceof String text) {
                    try {
                        return isoDay(text).toString();
                    } catch (DateTimeException e) {
                        return null;
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private PseudonymousRecord check(ObjectNode node, Submission submission, TonleConfig cfg, LocalDate today, List<Violation> v) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                v.add(new Violation(name, "unknown_field", "'" + name + "' is not a field of an activity record"));
            }
        }
        String id = text(node, "id", true, v);
        if (id != null && !isUuid(id)) {
            v.add(new Violation("id", "format", "id must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e"));
            id = null;
        }
        if (submission.mode() != Submission.Mode.CREATE && id != null && !id.equalsIgnoreCase(submission.targetId())) {
            v.add(new Violation("id", "id_mismatch", "the record's id differs from the id in the address"));
        }
        String programId = text(node, "program", true, v);
        String type = text(node, "type", true, v);
        String office = text(node, "office", true, v);

        Programme programme = null;
        if (programId != null) {
            programme = programmes.programme(programId).orElse(null);
            if (programme == null) {
                v.add(new Violation("program", "unknown_program", "programme " + shown(programId) + " is not deployed on this node"
                        + " (deployed: " + String.join(", ", programmes.programmes().stream().map(Programme::id).toList()) + ")"));
            }
        }
        Activity activity = null;
        if (programme != null && type != null) {
            activity = programme.activity(type).orElse(null);
            if (activity == null) {
                v.add(new Violation("type", "unknown_activity", shown(type) + " is not an activity of " + programme.id()
                        + " (known: " + String.join(", ", programme.activities().stream().map(Activity::id).toList()) + ")"));
            }
        }
        if (office != null) {
            if (cfg.office(office).isEmpty()) {
                v.add(new Violation("office", "unknown_office", "office " + shown(office) + " is not configured (known: "
                        + String.join(", ", cfg.deployments().keySet()) + ")"));
            } else if (submission.offices() != null && !submission.offices().contains(office)) {
                v.add(new Violation("office", "office_not_permitted", "you may not record for office " + office));
            } else if (programId != null && !cfg.deployments().getOrDefault(office, List.of()).contains(programId)) {
                // Named only when it has the shape of a programme id; anything else could be a case code.
                v.add(new Violation("office", "not_deployed", "office " + office + " does not run the "
                        + (SHOWN.matcher(programId).matches() ? programId + " programme" : "programme sent")));
            }
        }
        LocalDate date = date(node, today, v);
        Subject subject = subject(node.get("subject"), activity, v);
        int count = integer(node, "count", "count", 1, 1, Integer.MAX_VALUE, v);
        Map<String, Object> attributes = attributes(node.get("attributes"), activity, v);
        List<ParticipantTally> participants = participants(node.get("participants"), activity, v);
        if (!v.isEmpty() || programme == null || activity == null) {
            return null;
        }
        return new PseudonymousRecord(UUID.fromString(id), programId, type, office, date, subject, count, attributes, participants);
    }

    /**
     * Whether text is a UUID written 8-4-4-4-12 in hex. Checked by hand rather than by a regex:
     * it runs twice per record on the bulk path.
     */
    public static boolean isUuid(String text) {
        if (text.length() != 36 || text.charAt(8) != '-' || text.charAt(13) != '-' || text.charAt(18) != '-' || text.charAt(23) != '-') {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            if (i != 8 && i != 13 && i != 18 && i != 23 && (c >= 128 || !HEX[c])) {
                return false;
            }
        }
        return true;
    }

    private static final boolean[] HEX = new boolean[128];

    static {
        for (char c : "0123456789abcdefABCDEF".toCharArray()) {
            HEX[c] = true;
        }
    }

    private static String text(JsonNode node, String field, boolean required, List<Violation> v) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                v.add(new Violation(field, "required", field + " is required"));
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            v.add(new Violation(field, "type", field + " must be non-empty text"));
            return null;
        }
        return value.asText();
    }

    private static LocalDate date(JsonNode node, LocalDate today, List<Violation> v) {
        String text = text(node, "date", true, v);
        if (text == null) {
            return null;
        }
        try {
            LocalDate date = isoDay(text);
            if (date.isAfter(today)) {
                v.add(new Violation("date", "future_date", "date " + text + " is in the future"));
            } else if (date.isBefore(EARLIEST)) {
                v.add(new Violation("date", "date_too_early", "date " + text + " is before 2000-01-01"));
            }
            return date;
        } catch (DateTimeException e) {
            v.add(new Violation("date", "format", "date must be a day written YYYY-MM-DD, e.g. 2015-08-14"));
            return null;
        }
    }

    /**
     * A day written YYYY-MM-DD, read by hand for the usual shape (LocalDate.parse costs about a
     * microsecond, for every record on the bulk path); any other shape goes to LocalDate.parse.
     *
     * @throws DateTimeException for text that is not a day, or a day that does not exist
     */
    static LocalDate isoDay(String text) {
        if (text.length() == 10 && text.charAt(4) == '-' && text.charAt(7) == '-') {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            if (year >= 0 && month >= 0 && day >= 0) {
                return LocalDate.of(year, month, day);
            }
        }
        return LocalDate.parse(text);
    }

    /** The number written in text[from, to) in ASCII digits; -1 when any is not a digit. */
    private static int digits(String text, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static int integer(JsonNode node, String field, String path, int fallback, long min, long max, List<Violation> v) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            v.add(new Violation(path, "type", path + " must be a whole number"));
            return fallback;
        }
        long n = value.asLong();
        if (n < min || n > max) {
            v.add(new Violation(path, "range", path + " must be " + (max == Integer.MAX_VALUE ? "at least " + min : "from " + min + " to " + max)
                    + " (it was " + n + ")"));
            return fallback;
        }
        return (int) n;
    }

    private static Subject subject(JsonNode node, Activity activity, List<Violation> v) {
        boolean present = node != null && !node.isNull();
        if (activity == null) {
            return null;
        }
        if (activity.subject() == SubjectRule.NONE) {
            if (present) {
                v.add(new Violation("subject", "subject_not_allowed", activity.id() + " records have no subject; leave subject out"));
            }
            return null;
        }
        if (!present) {
            if (activity.subject() == SubjectRule.REQUIRED) {
                v.add(new Violation("subject", "required", activity.id() + " records need a subject with role and sex"));
            }
            return null;
        }
        if (!node.isObject()) {
            v.add(new Violation("subject", "type", "subject must be an object with role, sex, and optionally ref and age"));
            return null;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!SUBJECT_FIELDS.contains(name)) {
                v.add(new Violation("subject." + name, "unknown_field", "'" + name + "' is not a field of a subject (ref, role, sex, age)"));
            }
        }
        // Pseudonymise put the key here; a key the sender chose was replaced by a mark that is no UUID.
        String key = node.path("key").isTextual() ? node.get("key").asText() : null;
        if (key != null && !isUuid(key)) {
            v.add(new Violation("subject.key", "unknown_field", "'key' is not a field of a subject; send the case code as ref"));
            key = null;
        }
        String role = member(node, "role", "subject.role", activity.roles(), v);
        String sex = member(node, "sex", "subject.sex", Dimensions.SEXES, v);
        Integer age = null;
        if (node.has("age") && !node.get("age").isNull()) {
            age = integer(node, "age", "subject.age", 0, 0, 120, v);
        }
        return new Subject(key == null ? null : UUID.fromString(key), role, sex, age);
    }

    private static String member(JsonNode node, String name, String path, List<String> allowed, List<Violation> v) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            v.add(new Violation(path, "required", path + " is required (one of " + String.join(", ", allowed) + ")"));
            return null;
        }
        if (!value.isTextual() || !allowed.contains(value.asText())) {
            v.add(new Violation(path, "enum", path + " must be one of " + String.join(", ", allowed)
                    + (value.isTextual() && SHOWN.matcher(value.asText()).matches() ? " (it was '" + value.asText() + "')" : "")));
            return null;
        }
        return value.asText();
    }

    private static Map<String, Object> attributes(JsonNode node, Activity activity, List<Violation> v) {
        Map<String, Object> values = new LinkedHashMap<>();
        if (node != null && !node.isNull() && !node.isObject()) {
            v.add(new Violation("attributes", "type", "attributes must be an object of name and value"));
            return values;
        }
        if (activity == null) {
            return values;
        }
        if (node != null && !node.isNull()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                Attribute attribute = activity.attribute(field.getKey()).orElse(null);
                if (attribute == null) {
                    String path = "attributes." + (SHOWN.matcher(field.getKey()).matches() ? field.getKey() : NOT_SHOWN);
                    v.add(new Violation(path, "unknown_attribute", shown(field.getKey()) + " is not an attribute of " + activity.id()
                            + (activity.attributes().isEmpty() ? " (it has none)" : " (it has: "
                            + String.join(", ", activity.attributes().stream().map(Attribute::name).toList()) + ")")));
                    continue;
                }
                if (field.getValue().isNull()) {
                    continue;
                }
                Object value = attributeValue(attribute, field.getValue(), field.getKey(), v);
                if (value != null) {
                    values.put(attribute.name(), value);
                }
            }
        }
        for (Attribute attribute : activity.attributes()) {
            if (attribute.isRequired() && !values.containsKey(attribute.name())
                    && v.stream().noneMatch(x -> x.field().equals("attributes." + attribute.name()))) {
                v.add(new Violation("attributes." + attribute.name(), "required", attribute.name() + " is required for " + activity.id()
                        + (attribute.values().isEmpty() ? "" : " (one of " + String.join(", ", attribute.values()) + ")")));
            }
        }
        return values;
    }

    private static Object attributeValue(Attribute attribute, JsonNode value, String name, List<Violation> v) {
        // The field's path is spelled out only for a violation: most values are valid.
        switch (attribute.type()) {
            case ENUM -> {
                if (value.isTextual() && attribute.values().contains(value.asText())) {
                    return value.asText();
                }
                v.add(new Violation(at(name), "enum", at(name) + " must be one of " + String.join(", ", attribute.values())
                        + (value.isTextual() && SHOWN.matcher(value.asText()).matches() ? " (it was '" + value.asText() + "')" : "")));
            }
            case TEXT -> {
                if (!value.isTextual()) {
                    v.add(new Violation(at(name), "type", at(name) + " must be text"));
                } else if (value.asText().length() > attribute.maxLength()) {
                    v.add(new Violation(at(name), "max_length", at(name) + " is " + value.asText().length()
                            + " characters long; at most " + attribute.maxLength() + " are allowed"));
                } else {
                    return value.asText();
                }
            }
            case INTEGER -> {
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    v.add(new Violation(at(name), "type", at(name) + " must be a whole number"));
                } else if ((attribute.min() != null && value.asLong() < attribute.min())
                        || (attribute.max() != null && value.asLong() > attribute.max())) {
                    v.add(new Violation(at(name), "range", at(name) + " must be from " + (attribute.min() == null ? "any" : attribute.min())
                            + " to " + (attribute.max() == null ? "any" : attribute.max()) + " (it was " + value.asLong() + ")"));
                } else {
                    return value.asLong();
                }
            }
            case BOOLEAN -> {
                if (value.isBoolean()) {
                    return value.asBoolean();
                }
                v.add(new Violation(at(name), "type", at(name) + " must be true or false"));
            }
            case DATE -> {
                try {
                    if (value.isTextual()) {
                        return isoDay(value.asText()).toString();
                    }
                } catch (DateTimeException ignored) {
                    // reported below
                }
                v.add(new Violation(at(name), "format", at(name) + " must be a day written YYYY-MM-DD"));
            }
        }
        return null;
    }

    private static String at(String attribute) {
        return "attributes." + attribute;
    }

    private static List<ParticipantTally> participants(JsonNode node, Activity activity, List<Violation> v) {
        List<ParticipantTally> tallies = new ArrayList<>();
        if (node == null || node.isNull() || activity == null) {
            return tallies;
        }
        if (activity.participants() == null) {
            v.add(new Violation("participants", "participants_not_allowed", activity.id() + " records do not carry participant tallies"));
            return tallies;
        }
        if (!node.isArray()) {
            v.add(new Violation("participants", "type", "participants must be a list of {group, sex, count}"));
            return tallies;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode tally = node.get(i);
            String path = "participants[" + i + "]";
            if (!tally.isObject()) {
                v.add(new Violation(path, "type", path + " must be an object with group, sex and count"));
                continue;
            }
            for (Iterator<String> names = tally.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!TALLY_FIELDS.contains(name)) {
                    v.add(new Violation(path + "." + (SHOWN.matcher(name).matches() ? name : NOT_SHOWN), "unknown_field",
                            shown(name) + " is not a field of a tally (group, sex, count)"));
                }
            }
            String group = member(tally, "group", path + ".group", activity.participants().groups(), v);
            String sex = member(tally, "sex", path + ".sex", Dimensions.SEXES, v);
            JsonNode count = tally.get("count");
            if (count == null || !count.isIntegralNumber() || !count.canConvertToInt() || count.asInt() < 0) {
                v.add(new Violation(path + ".count", count == null ? "required" : "range", path + ".count must be a whole number, 0 or more"));
                continue;
            }
            if (group != null && sex != null) {
                tallies.add(new ParticipantTally(group, sex, count.asInt()));
            }
        }
        return tallies;
    }

    /** A name as a reason or a field may repeat it: itself when it is a plain word, otherwise {@value #NOT_SHOWN}. */
    public static String shownName(String name) {
        return SHOWN.matcher(name).matches() ? name : NOT_SHOWN;
    }

    /** The value quoted when it is a plain word, otherwise a mention that it is not repeated. */
    static String shown(String value) {
        return SHOWN.matcher(value).matches() ? "'" + value + "'" : "(the value sent, not repeated here)";
    }
}

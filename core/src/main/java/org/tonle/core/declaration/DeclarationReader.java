package org.tonle.core.declaration;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.tonle.core.Dimensions;

/**
 * Reads a programme declaration (YAML) and checks it against DESIGN.md section 3. Every problem
 * is reported at once, so a bundle author fixes a file in one pass.
 */
public final class DeclarationReader {

    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]+)}");
    private static final Set<String> FIXED_DIMENSIONS =
            Set.of(Dimensions.OFFICE, Dimensions.SEX, Dimensions.AGE_BAND, Dimensions.ROLE, Dimensions.GROUP);
    private static final Set<String> FORMATS = Set.of("words", "sex");
    private static final Set<String> LIST_FORMS = Set.of("list", "names");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public Programme read(InputStream in, String source) throws DeclarationException {
        Programme programme;
        try {
            programme = yaml.readValue(in, Programme.class);
        } catch (JsonProcessingException e) {
            throw new DeclarationException(source, e.getOriginalMessage() + location(e));
        } catch (IOException e) {
            throw new DeclarationException(source, "cannot be read: " + e.getMessage());
        }
        if (programme == null) {
            throw new DeclarationException(source, "the file is empty");
        }
        List<String> problems = problems(programme);
        if (!problems.isEmpty()) {
            throw new DeclarationException(source, String.join("; ", problems));
        }
        return programme;
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    /** Every rule a declaration must keep; empty when it is valid. */
    public static List<String> problems(Programme p) {
        List<String> problems = new ArrayList<>();
        if (p.id() == null || !ID.matcher(p.id()).matches()) {
            problems.add("id '" + p.id() + "' must be lower-case letters, digits and _ starting with a letter");
        }
        if (p.name() == null) {
            problems.add("name is missing");
        }
        if (p.activities().isEmpty()) {
            problems.add("activities: at least one activity is needed");
        }
        Set<String> activityIds = new HashSet<>();
        for (Activity activity : p.activities()) {
            checkActivity(activity, activityIds, problems);
        }
        Set<String> codes = new HashSet<>();
        for (Indicator indicator : p.indicators()) {
            checkIndicator(p, indicator, codes, problems);
        }
        if (p.report() != null && p.report().conclusion() != null) {
            p.report().conclusion().byLanguage().values().forEach(template -> checkTemplate(p, template, problems));
        }
        return problems;
    }

    private static void checkActivity(Activity a, Set<String> ids, List<String> problems) {
        String where = "activity '" + a.id() + "'";
        if (a.id() == null || !ID.matcher(a.id()).matches()) {
            problems.add(where + ": id must be lower-case letters, digits and _");
        } else if (!ids.add(a.id())) {
            problems.add(where + ": declared twice");
        }
        if (a.subject() == null) {
            problems.add(where + ": subject must be required, optional or none");
        } else if (a.hasSubject() && a.roles().isEmpty()) {
            problems.add(where + ": an activity with a subject must list its roles");
        } else if (!a.hasSubject() && !a.roles().isEmpty()) {
            problems.add(where + ": roles are declared but subject is none");
        }
        Set<String> names = new HashSet<>();
        for (Attribute attribute : a.attributes()) {
            String at = where + ", attribute '" + attribute.name() + "'";
            if (attribute.name() == null || !ID.matcher(attribute.name()).matches()) {
                problems.add(at + ": name must be lower-case letters, digits and _");
            } else if (!names.add(attribute.name())) {
                problems.add(at + ": declared twice");
            }
            if (attribute.type() == null) {
                problems.add(at + ": type must be one of enum, text, integer, boolean, date");
                continue;
            }
            switch (attribute.type()) {
                case ENUM -> {
                    if (attribute.values().isEmpty()) {
                        problems.add(at + ": an enum needs values");
                    }
                    if (attribute.labels() != null) {
                        attribute.labels().keySet().stream().filter(v -> !attribute.values().contains(v)).sorted()
                                .forEach(v -> problems.add(at + ": labels name '" + v + "', which is not one of its values"));
                    }
                }
                case TEXT -> {
                    if (attribute.maxLength() == null || attribute.maxLength() < 1) {
                        problems.add(at + ": text needs a positive max_length");
                    } else if (attribute.maxLength() > Attribute.MAX_TEXT_LENGTH) {
                        problems.add(at + ": max_length is at most " + Attribute.MAX_TEXT_LENGTH + " (every text is searched for case codes on ingest)");
                    }
                }
                case INTEGER -> {
                    if (attribute.min() != null && attribute.max() != null && attribute.min() > attribute.max()) {
                        problems.add(at + ": min is greater than max");
                    }
                }
                default -> {
                }
            }
        }
        if (a.participants() != null && a.participants().groups().isEmpty()) {
            problems.add(where + ": participants need groups");
        }
    }

    private static void checkIndicator(Programme p, Indicator i, Set<String> codes, List<String> problems) {
        String where = "indicator '" + i.code() + "'";
        if (i.code() == null || !i.code().startsWith(p.id() + ".")) {
            problems.add(where + ": code must start with the programme id '" + p.id() + ".'");
        } else if (!codes.add(i.code())) {
            problems.add(where + ": declared twice");
        }
        if (i.name() == null) {
            problems.add(where + ": name is missing");
        }
        if (i.measure() == null) {
            problems.add(where + ": measure must be records, distinct_subjects, sum_count, participants or ratio");
            return;
        }
        if (i.measure() == Measure.RATIO) {
            for (String part : new String[] {i.numerator(), i.denominator()}) {
                if (part == null || p.indicator(part).isEmpty()) {
                    problems.add(where + ": a ratio needs numerator and denominator naming indicators of this programme");
                    break;
                }
            }
            return;
        }
        if (i.activity().isEmpty()) {
            problems.add(where + ": activity is missing");
            return;
        }
        List<Activity> activities = new ArrayList<>();
        for (String id : i.activity()) {
            p.activity(id).ifPresentOrElse(activities::add,
                    () -> problems.add(where + ": activity '" + id + "' is not declared"));
        }
        if (activities.isEmpty()) {
            return;
        }
        if (i.measure() == Measure.PARTICIPANTS && activities.stream().anyMatch(a -> a.participants() == null)) {
            problems.add(where + ": measure participants needs activities that declare participants");
        }
        if (i.measure() == Measure.DISTINCT_SUBJECTS && activities.stream().anyMatch(a -> !a.hasSubject())) {
            problems.add(where + ": measure distinct_subjects needs activities with a subject");
        }
        for (Map.Entry<String, List<String>> filter : i.where().entrySet()) {
            List<String> allowed = allowedValues(filter.getKey(), activities, i.measure());
            if (allowed == null || filter.getKey().equals(Dimensions.OFFICE)) {
                problems.add(where + ": cannot filter on '" + filter.getKey() + "' (role, sex or an enum attribute)");
            } else {
                for (String value : filter.getValue()) {
                    if (!allowed.contains(value)) {
                        problems.add(where + ": where " + filter.getKey() + " '" + value + "' is not one of " + allowed);
                    }
                }
            }
        }
        for (String dimension : i.by()) {
            if (allowedValues(dimension, activities, i.measure()) == null) {
                problems.add(where + ": cannot be broken down by '" + dimension + "'");
            }
        }
    }

    /**
     * The values a dimension takes for these activities, or {@code null} when the dimension does
     * not apply. Offices are configuration, so their list is empty here.
     */
    public static List<String> allowedValues(String dimension, List<Activity> activities, Measure measure) {
        switch (dimension) {
            case Dimensions.OFFICE:
                return List.of();
            case Dimensions.SEX:
                return Dimensions.SEXES;
            case Dimensions.AGE_BAND:
            case Dimensions.ROLE:
                if (measure == Measure.PARTICIPANTS || activities.stream().anyMatch(a -> !a.hasSubject())) {
                    return null;
                }
                if (dimension.equals(Dimensions.AGE_BAND)) {
                    return Dimensions.AGE_BANDS;
                }
                return activities.stream().flatMap(a -> a.roles().stream()).distinct().toList();
            case Dimensions.GROUP:
                if (measure != Measure.PARTICIPANTS || activities.stream().anyMatch(a -> a.participants() == null)) {
                    return null;
                }
                return activities.stream().flatMap(a -> a.participants().groups().stream()).distinct().toList();
            default:
                List<String> values = new ArrayList<>();
                for (Activity activity : activities) {
                    var attribute = activity.attribute(dimension);
                    if (attribute.isEmpty() || attribute.get().type() != AttributeType.ENUM) {
                        return null;
                    }
                    attribute.get().values().stream().filter(v -> !values.contains(v)).forEach(values::add);
                }
                return values;
        }
    }

    private static void checkTemplate(Programme p, String template, List<String> problems) {
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            String body = m.group(1);
            String code;
            int colon = body.lastIndexOf(':');
            if (body.contains("|")) {
                code = colon < 0 ? "" : body.substring(colon + 1);
            } else if (body.split(":").length == 3) {
                // {code:dimension:list} or {code:dimension:names}: a breakdown as a list
                String[] parts = body.split(":");
                code = parts[0];
                var indicator = p.indicator(code);
                if (!LIST_FORMS.contains(parts[2])) {
                    problems.add("report: '{" + body + "}' ends in '" + parts[2] + "'; a list is written {code:dimension:list} or {code:dimension:names}");
                } else if (indicator.isPresent() && !indicator.get().by().contains(parts[1])) {
                    problems.add("report: '{" + body + "}' lists '" + parts[1] + "', which is not a breakdown the indicator allows");
                }
            } else if (colon >= 0) {
                code = body.substring(0, colon);
                String format = body.substring(colon + 1);
                var indicator = p.indicator(code);
                if (indicator.isPresent() && !FORMATS.contains(format) && !indicator.get().by().contains(format)) {
                    problems.add("report: '{" + body + "}' asks for '" + format + "', which is neither words nor a breakdown the indicator allows");
                }
            } else {
                code = body;
            }
            if (p.indicator(code).isEmpty()) {
                problems.add("report: '{" + body + "}' names no indicator of this programme");
            }
        }
    }
}

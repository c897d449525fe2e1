package org.tonle.programmes.xlsform;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.ss.usermodel.WorkbookFactory;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.AttributeType;
import org.tonle.core.declaration.DeclarationException;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Localized;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.SubjectRule;

/**
 * Turns an XLSForm (the spreadsheet form format of KoboToolbox and ODK: sheets {@code survey},
 * {@code choices}, {@code settings}) into a Tonle programme of one activity, and a mapping that
 * reads that form's exports (docs/PLUGINS.md, docs/IMPORTING.md).
 *
 * <ul>
 *   <li>{@code select_one}, {@code integer}, {@code text} and {@code date} questions become enum,
 *       integer, text and date attributes; labels in several languages
 *       ({@code label::English (en)}, {@code label::Khmer (km)}) become names by language code.</li>
 *   <li>Questions that fill a record's own fields are found by an optional {@code tonle} column
 *       on the survey sheet ({@code date}, {@code office}, {@code subject_ref},
 *       {@code subject_role}, {@code subject_sex}, {@code subject_age}, {@code count}), else by
 *       their name ({@code date}, {@code office}, {@code case_code}/{@code subject_ref},
 *       {@code role}, {@code sex}, {@code age}, {@code count}); the record date is otherwise the
 *       first {@code date} question. A {@code tonle} column on the choices sheet gives the Tonle
 *       value of a choice where its name is not (office codes, F/M/X/U).</li>
 *   <li>Every other question type is reported with its survey row, never left out silently;
 *       form metadata ({@code start}, {@code end}, {@code deviceid}, ...) is listed as left out.</li>
 * </ul>
 *
 * Self-contained on purpose (POI, Jackson and the declaration model only): it is meant to move
 * into a programmes-runtime module as it is.
 */
public final class XlsFormConverter {

    /** Text questions become text attributes of this many characters at most (DESIGN.md 2). */
    public static final int TEXT_LENGTH = 500;

    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern LANGUAGE = Pattern.compile("\\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\\)\\s*$");
    private static final Set<String> METADATA = Set.of("start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
            "phonenumber", "audit", "email", "start-geopoint", "background-audio", "background-geopoint", "uri:email",
            "uri:deviceid", "uri:username", "uri:subscriberid", "uri:simserial", "uri:phonenumber");
    private static final Set<String> ROLES = Set.of("date", "office", "subject_ref", "subject_role", "subject_sex", "subject_age", "count");
    private static final Map<String, String> ROLE_BY_NAME = Map.of("date", "date", "office", "office", "case_code", "subject_ref",
            "subject_ref", "subject_ref", "role", "subject_role", "subject_role", "subject_role", "sex", "subject_sex",
            "subject_sex", "subject_sex", "age", "subject_age", "subject_age", "subject_age");
    private static final Map<String, String> SEXES = Map.ofEntries(Map.entry("f", "F"), Map.entry("female", "F"),
            Map.entry("girl", "F"), Map.entry("woman", "F"), Map.entry("m", "M"), Map.entry("male", "M"), Map.entry("boy", "M"),
            Map.entry("man", "M"), Map.entry("x", "X"), Map.entry("other", "X"), Map.entry("u", "U"), Map.entry("unknown", "U"),
            Map.entry("prefer_not_to_say", "U"), Map.entry("not_known", "U"));
    /** The export columns that carry a submission's own id: KoboToolbox's and ODK Central's. */
    private static final List<String> ID_COLUMNS = List.of("_uuid", "KEY");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    /** What the conversion made, and what it left out with the survey row of each. */
    public record Conversion(Programme programme, String programmeYaml, String mappingName, String mappingYaml,
                             String symbolicName, String version, List<String> leftOut, List<String> unsupported) {
    }

    /** A form that cannot become a programme; every problem at once, each with its sheet and row. */
    public static final class XlsFormException extends Exception {
        private final List<String> problems;

        public XlsFormException(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** A question of the survey sheet, with the row it is on (as the spreadsheet numbers it). */
    private record Question(int row, String type, String list, String name, String path, Map<String, String> labels, boolean required,
                            String role) {
    }

    /** A choice of the choices sheet. */
    private record Choice(int row, String name, Map<String, String> labels, String tonle) {
    }

    private final DataFormatter cells = new DataFormatter(Locale.ROOT);

    /**
     * @param programmeId the programme id, or null for the form's {@code form_id}
     * @throws XlsFormException when the form cannot become a valid programme (the problems name sheet and row)
     */
    public Conversion convert(InputStream form, String programmeId) throws IOException, XlsFormException {
        try (Workbook workbook = WorkbookFactory.create(form)) {
            return convert(workbook, programmeId);
        }
    }

    private Conversion convert(Workbook workbook, String programmeId) throws XlsFormException {
        List<String> problems = new ArrayList<>();
        Sheet surveySheet = workbook.getSheet("survey");
        if (surveySheet == null) {
            throw new XlsFormException(List.of("the workbook has no 'survey' sheet; is it an XLSForm?"));
        }
        Map<String, String> settings = settings(workbook.getSheet("settings"));
        Map<String, List<Choice>> lists = choices(workbook.getSheet("choices"), problems);
        List<String> leftOut = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        List<Question> questions = survey(surveySheet, leftOut, unsupported, problems);

        String formId = settings.getOrDefault("form_id", "");
        String id = programmeId != null ? programmeId : identifier(formId.isBlank() ? "form" : formId);
        if (!ID.matcher(id).matches()) {
            problems.add("the programme id '" + id + "' must be lower-case letters, digits and _ starting with a letter");
        }
        Localized title = title(settings, formId.isBlank() ? id : formId);

        Map<String, Question> byRole = new LinkedHashMap<>();
        for (Question q : questions) {
            if (q.role() != null) {
                Question other = byRole.putIfAbsent(q.role(), q);
                if (other != null) {
                    problems.add("survey row " + q.row() + ": '" + q.name() + "' fills " + q.role() + ", which survey row " + other.row()
                            + " ('" + other.name() + "') fills already");
                }
            }
        }
        if (!byRole.containsKey("date")) {
            for (int i = 0; i < questions.size(); i++) {
                Question q = questions.get(i);
                if (q.type().equals("date") && q.role() == null) {
                    Question dated = new Question(q.row(), q.type(), q.list(), q.name(), q.path(), q.labels(), q.required(), "date");
                    questions.set(i, dated);
                    byRole.put("date", dated);
                    break;
                }
            }
        }
        if (!byRole.containsKey("date")) {
            problems.add("survey: the form has no date question; a record needs the day the activity took place (a 'date' question,"
                    + " or a tonle column saying 'date')");
        }
        checkRoleTypes(byRole, problems);

        Map<String, Object> columns = new LinkedHashMap<>();
        Map<String, Map<String, String>> values = new LinkedHashMap<>();
        Map<String, String> constants = new LinkedHashMap<>();
        ID_COLUMNS.forEach(c -> columns.put(c, "id"));
        List<Attribute> attributes = new ArrayList<>();
        Map<String, String> attributeOf = new HashMap<>();
        Map<String, Integer> bareNames = new HashMap<>();
        questions.forEach(q -> bareNames.merge(q.name(), 1, Integer::sum));

        for (Question q : questions) {
            String column;
            if (q.role() != null) {
                column = q.role();
                if (q.type().equals("select_one")) {
                    values.put(column, choiceValues(q, lists, problems));
                }
            } else {
                String name = identifier(q.name());
                if (attributeOf.containsKey(name)) {
                    problems.add("survey row " + q.row() + ": '" + q.name() + "' becomes attribute '" + name + "', as does '"
                            + attributeOf.get(name) + "'; rename one");
                    continue;
                }
                attributeOf.put(name, q.name());
                column = "attr." + name;
                switch (q.type()) {
                    case "select_one" -> {
                        Map<String, String> map = choiceValues(q, lists, problems);
                        attributes.add(new Attribute(name, AttributeType.ENUM, List.copyOf(new LinkedHashSet<>(map.values())), null, null, null,
                                q.required() ? Boolean.TRUE : null));
                        values.put(column, map);
                    }
                    case "integer" -> attributes.add(new Attribute(name, AttributeType.INTEGER, null, null, null, null, q.required() ? Boolean.TRUE : null));
                    case "date" -> attributes.add(new Attribute(name, AttributeType.DATE, null, null, null, null, q.required() ? Boolean.TRUE : null));
                    case "text" -> attributes.add(new Attribute(name, AttributeType.TEXT, null, TEXT_LENGTH, null, null, q.required() ? Boolean.TRUE : null));
                    default -> throw new IllegalStateException("unexpected type " + q.type());
                }
            }
            columns.put(q.path(), column);
            if (!q.path().equals(q.name()) && bareNames.get(q.name()) == 1) {
                // Exports made without "include groups in headers" name the question alone.
                columns.putIfAbsent(q.name(), column);
            }
        }

        boolean hasSubject = byRole.keySet().stream().anyMatch(r -> r.startsWith("subject_"));
        List<String> roles = new ArrayList<>();
        SubjectRule subjectRule = SubjectRule.NONE;
        if (hasSubject) {
            Question sex = byRole.get("subject_sex");
            Question role = byRole.get("subject_role");
            if (sex == null) {
                problems.add("survey: questions about a person need a sex question too ('sex', or a tonle column saying 'subject_sex')");
            }
            if (role == null) {
                roles.add("person");
                constants.put("subject_role", "person");
            } else {
                roles.addAll(new LinkedHashSet<>(values.getOrDefault("subject_role", Map.of()).values()));
            }
            subjectRule = sex != null && sex.required() && (role == null || role.required()) ? SubjectRule.REQUIRED : SubjectRule.OPTIONAL;
        }
        constants.put("program", id);
        constants.put("type", id);

        List<String> enums = attributes.stream().filter(a -> a.type() == AttributeType.ENUM).map(Attribute::name).toList();
        Localized activityName = title;
        Activity activity = new Activity(id, activityName, subjectRule, roles, attributes, null);
        List<Indicator> indicators = new ArrayList<>();
        List<String> recordsBy = new ArrayList<>();
        recordsBy.add("office");
        recordsBy.addAll(enums);
        indicators.add(new Indicator(id + ".records", title, Measure.RECORDS, List.of(id), null, recordsBy, null, null, null, null, null));
        if (hasSubject) {
            indicators.add(new Indicator(id + ".persons", Localized.of(title.in(Localized.DEFAULT_LANGUAGE) + ": people"), Measure.DISTINCT_SUBJECTS,
                    List.of(id), null, List.of("office", "sex", "age_band", "role"), null, null, null, null, null));
        }
        Programme programme = new Programme(id, title, null, List.of(activity), indicators, null, null);

        if (!problems.isEmpty()) {
            throw new XlsFormException(problems);
        }
        String programmeYaml;
        String mappingYaml;
        try {
            programmeYaml = header(id, questions, leftOut, unsupported) + YAML.writeValueAsString(programme);
            Map<String, Object> mapping = new LinkedHashMap<>();
            mapping.put("name", "XLSForm " + (formId.isBlank() ? id : formId) + " (" + title.in(Localized.DEFAULT_LANGUAGE) + ")");
            mapping.put("separator", ";");
            mapping.put("ignore_other_columns", true);
            mapping.put("constants", constants);
            mapping.put("columns", columns);
            values.values().removeIf(Map::isEmpty);
            mapping.put("values", values);
            mappingYaml = mappingHeader(id, leftOut, unsupported) + YAML.writeValueAsString(mapping);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write YAML: " + e.getMessage(), e);
        }
        try {
            // The bundle's declaration must be one the node accepts; a converter bug is caught here, not at deploy time.
            new DeclarationReader().read(new ByteArrayInputStream(programmeYaml.getBytes(StandardCharsets.UTF_8)), "programme.yaml");
        } catch (DeclarationException e) {
            throw new XlsFormException(List.of("the programme made from the form is not valid: " + e.getMessage()));
        }
        return new Conversion(programme, programmeYaml, id, mappingYaml, "org.tonle.xlsform." + id,
                bundleVersion(settings.get("version")), List.copyOf(leftOut), List.copyOf(unsupported));
    }

    /** The {@code settings} sheet: its first row names the settings, its second holds them. */
    private Map<String, String> settings(Sheet sheet) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (sheet == null) {
            return settings;
        }
        Row names = sheet.getRow(sheet.getFirstRowNum());
        Row values = sheet.getRow(sheet.getFirstRowNum() + 1);
        if (names == null || values == null) {
            return settings;
        }
        for (Cell cell : names) {
            String name = text(cell);
            if (!name.isEmpty()) {
                settings.put(name.strip(), text(values.getCell(cell.getColumnIndex())));
            }
        }
        return settings;
    }

    private Map<String, List<Choice>> choices(Sheet sheet, List<String> problems) {
        Map<String, List<Choice>> lists = new LinkedHashMap<>();
        if (sheet == null) {
            return lists;
        }
        Map<String, Integer> header = header(sheet);
        Integer list = header.containsKey("list_name") ? header.get("list_name") : header.get("list name");
        Integer name = header.get("name");
        if (list == null || name == null) {
            problems.add("choices: the sheet needs the columns list_name and name");
            return lists;
        }
        Map<String, Integer> labels = labels(header);
        Integer tonle = header.get("tonle");
        for (int r = sheet.getFirstRowNum() + 1; r <= sheet.getLastRowNum(); r++) {
            Row row = sheet.getRow(r);
            if (row == null || text(row.getCell(list)).isEmpty()) {
                continue;
            }
            Map<String, String> texts = new LinkedHashMap<>();
            labels.forEach((language, column) -> {
                String label = text(row.getCell(column));
                if (!label.isEmpty()) {
                    texts.put(language, label);
                }
            });
            lists.computeIfAbsent(text(row.getCell(list)), k -> new ArrayList<>())
                    .add(new Choice(r + 1, text(row.getCell(name)), texts, tonle == null ? "" : text(row.getCell(tonle))));
        }
        return lists;
    }

    private List<Question> survey(Sheet sheet, List<String> leftOut, List<String> unsupported, List<String> problems) {
        Map<String, Integer> header = header(sheet);
        Integer type = header.get("type");
        Integer name = header.get("name");
        if (type == null || name == null) {
            problems.add("survey: the sheet needs the columns type and name");
            return new ArrayList<>();
        }
        Map<String, Integer> labels = labels(header);
        Integer required = header.get("required");
        Integer tonle = header.get("tonle");
        List<Question> questions = new ArrayList<>();
        Deque<String> groups = new ArrayDeque<>();
        int repeats = 0;
        for (int r = sheet.getFirstRowNum() + 1; r <= sheet.getLastRowNum(); r++) {
            Row row = sheet.getRow(r);
            if (row == null) {
                continue;
            }
            int number = r + 1;
            String[] typeParts = text(row.getCell(type)).strip().split("\\s+");
            String kind = typeParts[0].toLowerCase(Locale.ROOT);
            String questionName = text(row.getCell(name)).strip();
            if (kind.isEmpty()) {
                continue;
            }
            if ((kind.equals("begin") || kind.equals("end")) && typeParts.length > 1) {
                // "begin group", "end repeat": the spelling with a space; "end" alone is metadata.
                kind = kind + "_" + typeParts[1].toLowerCase(Locale.ROOT);
            }
            switch (kind) {
                case "begin_group" -> {
                    groups.push(questionName);
                    continue;
                }
                case "begin_repeat" -> {
                    repeats++;
                    groups.push(questionName);
                    unsupported.add("survey row " + number + ": type '" + text(row.getCell(type)).strip() + "' is not supported (a record is one submission;"
                            + " the questions of repeat '" + questionName + "' are left out)");
                    continue;
                }
                case "end_group", "end_repeat" -> {
                    if (kind.equals("end_repeat") && repeats > 0) {
                        repeats--;
                    }
                    if (!groups.isEmpty()) {
                        groups.pop();
                    }
                    continue;
                }
                case "note" -> {
                    continue;
                }
                default -> {
                }
            }
            if (METADATA.contains(kind)) {
                leftOut.add("survey row " + number + ": '" + questionName + "' (" + kind + ") is form metadata, not imported");
                continue;
            }
            if (repeats > 0) {
                unsupported.add("survey row " + number + ": '" + questionName + "' is inside a repeat, which is not supported");
                continue;
            }
            boolean supported = switch (kind) {
                case "select_one", "integer", "text", "date" -> true;
                default -> false;
            };
            if (!supported) {
                unsupported.add("survey row " + number + ": type '" + text(row.getCell(type)).strip() + "' is not supported ('" + questionName + "')");
                continue;
            }
            if (questionName.isEmpty()) {
                problems.add("survey row " + number + ": the question has no name");
                continue;
            }
            String list = null;
            if (kind.equals("select_one")) {
                if (typeParts.length < 2) {
                    problems.add("survey row " + number + ": select_one needs the name of its choice list");
                    continue;
                }
                list = typeParts[1];
            }
            Map<String, String> texts = new LinkedHashMap<>();
            labels.forEach((language, column) -> {
                String label = text(row.getCell(column));
                if (!label.isEmpty()) {
                    texts.put(language, label);
                }
            });
            String role = tonle == null ? "" : text(row.getCell(tonle)).strip();
            if (!role.isEmpty() && !ROLES.contains(role)) {
                problems.add("survey row " + number + ": tonle '" + role + "' is none of " + String.join(", ", ROLES));
                role = "";
            }
            if (role.isEmpty()) {
                role = ROLE_BY_NAME.get(questionName.toLowerCase(Locale.ROOT));
            }
            List<String> path = new ArrayList<>(groups);
            Collections.reverse(path);
            path.add(questionName);
            questions.add(new Question(number, kind, list, questionName, String.join("/", path), texts,
                    required != null && isYes(text(row.getCell(required))), role));
        }
        return questions;
    }

    private static void checkRoleTypes(Map<String, Question> byRole, List<String> problems) {
        byRole.forEach((role, q) -> {
            String wanted = switch (role) {
                case "date" -> "date";
                case "office", "subject_role", "subject_sex" -> "select_one";
                case "subject_age", "count" -> "integer";
                default -> "text";
            };
            if (!q.type().equals(wanted)) {
                problems.add("survey row " + q.row() + ": '" + q.name() + "' fills " + role + ", which needs a " + wanted + " question, not "
                        + q.type());
            }
        });
    }

    /** Export value → Tonle value of a select_one question's choices, labels included (for "labels" exports). */
    private static Map<String, String> choiceValues(Question q, Map<String, List<Choice>> lists, List<String> problems) {
        List<Choice> choices = lists.get(q.list());
        Map<String, String> map = new LinkedHashMap<>();
        if (choices == null || choices.isEmpty()) {
            problems.add("survey row " + q.row() + ": the choice list '" + q.list() + "' is not on the choices sheet");
            return map;
        }
        for (Choice choice : choices) {
            String value = choice.tonle().isEmpty() ? null : choice.tonle();
            if (value == null) {
                value = switch (String.valueOf(q.role())) {
                    case "office" -> choice.name().toUpperCase(Locale.ROOT);
                    case "subject_sex" -> SEXES.get(choice.name().toLowerCase(Locale.ROOT));
                    default -> choice.name();
                };
            }
            if (value == null) {
                problems.add("choices row " + choice.row() + ": '" + choice.name() + "' of " + q.list()
                        + " needs a tonle column saying F, M, X or U");
                continue;
            }
            map.put(choice.name(), value);
        }
        Map<String, String> byLabel = new LinkedHashMap<>();
        Set<String> ambiguous = new LinkedHashSet<>();
        for (Choice choice : choices) {
            String value = map.get(choice.name());
            for (String label : choice.labels().values()) {
                if (map.containsKey(label) || (byLabel.containsKey(label) && !byLabel.get(label).equals(value))) {
                    ambiguous.add(label);
                } else if (value != null) {
                    byLabel.put(label, value);
                }
            }
        }
        ambiguous.forEach(byLabel::remove);
        byLabel.forEach(map::putIfAbsent);
        return map;
    }

    /** Column name (lower case, trimmed) → index, from the sheet's first row. */
    private Map<String, Integer> header(Sheet sheet) {
        Map<String, Integer> header = new LinkedHashMap<>();
        Row row = sheet.getRow(sheet.getFirstRowNum());
        if (row == null) {
            return header;
        }
        for (Cell cell : row) {
            String name = text(cell).strip();
            if (!name.isEmpty()) {
                header.putIfAbsent(name.toLowerCase(Locale.ROOT), cell.getColumnIndex());
            }
        }
        return header;
    }

    /** Language code → column of the {@code label} columns: {@code label::Khmer (km)} is km; a plain {@code label} is en. */
    private static Map<String, Integer> labels(Map<String, Integer> header) {
        Map<String, Integer> labels = new LinkedHashMap<>();
        header.forEach((name, column) -> {
            if (name.equals("label")) {
                labels.putIfAbsent(Localized.DEFAULT_LANGUAGE, column);
            } else if (name.startsWith("label::")) {
                String language = name.substring(7).strip();
                Matcher code = LANGUAGE.matcher(language);
                labels.putIfAbsent(code.find() ? code.group(1).toLowerCase(Locale.ROOT) : languageCode(language), column);
            }
        });
        return labels;
    }

    /** A language written without its code ({@code label::English}): the common ones by name. */
    private static String languageCode(String language) {
        return switch (language.toLowerCase(Locale.ROOT)) {
            case "english" -> "en";
            case "khmer" -> "km";
            case "french" -> "fr";
            default -> language.toLowerCase(Locale.ROOT);
        };
    }

    /** The form title by language: {@code form_title}, and {@code form_title::Khmer (km)} where given. */
    private static Localized title(Map<String, String> settings, String fallback) {
        Map<String, String> texts = new LinkedHashMap<>();
        String plain = settings.get("form_title");
        texts.put(Localized.DEFAULT_LANGUAGE, plain == null || plain.isBlank() ? fallback : plain.strip());
        settings.forEach((name, value) -> {
            if (name.toLowerCase(Locale.ROOT).startsWith("form_title::") && !value.isBlank()) {
                String language = name.substring(12).strip();
                Matcher code = LANGUAGE.matcher(language);
                String key = code.find() ? code.group(1).toLowerCase(Locale.ROOT) : languageCode(language);
                if (key.equals(Localized.DEFAULT_LANGUAGE) && plain != null && !plain.isBlank()) {
                    return;
                }
                texts.put(key, value.strip());
            }
        });
        return new Localized(texts);
    }

    /** A name made into a Tonle id: lower case, other characters as '_', starting with a letter. */
    static String identifier(String name) {
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("^_+|_+$", "");
        return id.isEmpty() || !Character.isLetter(id.charAt(0)) ? "q_" + id : id;
    }

    /** An OSGi version from the form's {@code version} (Kobo's are often not numbers: they become the qualifier). */
    static String bundleVersion(String version) {
        if (version == null || version.isBlank()) {
            return "1.0.0";
        }
        String v = version.strip();
        // ODK's usual yyyymmddnn (2015081401) still fits an OSGi version part, an int.
        if (v.matches("\\d{1,10}(\\.\\d{1,10}){0,2}") && Arrays.stream(v.split("\\.")).allMatch(p -> Long.parseLong(p) <= Integer.MAX_VALUE)) {
            String[] parts = v.split("\\.");
            return parts[0] + "." + (parts.length > 1 ? parts[1] : "0") + "." + (parts.length > 2 ? parts[2] : "0");
        }
        return "1.0.0." + v.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    private static boolean isYes(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return t.equals("yes") || t.equals("true") || t.equals("true()") || t.equals("1");
    }

    private String text(Cell cell) {
        return cell == null ? "" : cells.formatCellValue(cell).strip();
    }

    /** The questions and their labels in every language, as comments at the top of programme.yaml. */
    private static String header(String id, List<Question> questions, List<String> leftOut, List<String> unsupported) {
        StringBuilder out = new StringBuilder("# Programme '" + id + "', made by bin/tonle programme from-xlsform.\n# Questions:\n");
        for (Question q : questions) {
            out.append("#   ").append(q.path()).append(" (").append(q.type()).append(q.role() == null ? "" : ", " + q.role()).append(")");
            q.labels().forEach((language, label) -> out.append(" ").append(language).append(": ").append(oneLine(label)));
            out.append('\n');
        }
        comments(out, leftOut, unsupported);
        return out.toString();
    }

    private static String mappingHeader(String id, List<String> leftOut, List<String> unsupported) {
        StringBuilder out = new StringBuilder("# Reads the exports of the XLSForm of programme '" + id + "' (docs/IMPORTING.md). Made by\n"
                + "# bin/tonle programme from-xlsform. KoboToolbox: export as CSV (XML values and headers; ';')\n"
                + "# or as XLS; ODK Central: the CSV export. Copy this file to <config>/mappings/" + id + ".yaml.\n");
        comments(out, leftOut, unsupported);
        return out.toString();
    }

    private static void comments(StringBuilder out, List<String> leftOut, List<String> unsupported) {
        if (!leftOut.isEmpty() || !unsupported.isEmpty()) {
            out.append("# Not imported:\n");
            unsupported.forEach(line -> out.append("#   ").append(oneLine(line)).append('\n'));
            leftOut.forEach(line -> out.append("#   ").append(oneLine(line)).append('\n'));
        }
    }

    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ");
    }
}

package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.assertj.core.api.Assertions;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tonle.programme.api.PublishResult;
import org.tonle.programme.api.RecordCheck;
import org.tonle.programme.api.Violation;

/** One test per rule of DESIGN.md section 4: each names the field and the stable rule code. */
class ValidateTest {

    static final String GOOD = """
            {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "program": "cases", "type": "intake", "office": "PNH",
             "date": "2015-08-14", "subject": {"ref": "PNH-C-0042", "role": "victim", "sex": "F", "age": 16},
             "count": 1, "attributes": {"channel": "hotline"}}""";

    static final Clock TODAY = Clock.fixed(Instant.parse("2015-09-01T10:00:00Z"), ZoneOffset.UTC);

    Validate validate;
    Pseudonymise pseudonymise;
    List<RecordCheck> checks = List.of();

    @BeforeEach
    void setUp() throws Exception {
        validate = new Validate(Fixtures.registry(), Fixtures::config, programme -> checks, TODAY);
        pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
    }

    Item run(ObjectNode node, Set<String> offices) {
        Submission submission = Submission.create("tester", "test", offices, List.of(Submission.item(1, node)));
        pseudonymise.process(submission);
        validate.process(submission);
        return submission.items().get(0);
    }

    Item run(String json) {
        return run(Fixtures.record(json), null);
    }

    @Test
    void aGoodRecordPassesWithItsRefPseudonymised() {
        Item item = run(GOOD);
        assertThat(item.violations()).isEmpty();
        assertThat(item.record().subjectKey()).isNotNull();
        assertThat(item.canonical()).doesNotContain("PNH-C-0042");
        assertThat(item.contentHash()).hasSize(64);
        assertThat(item.record().count()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
            // change to the good record                                              | field                 | rule
            "'\"count\": 1'                       ~ '\"count\": 1, \"colour\": \"red\"'   | colour                | unknown_field",
            "'\"id\": \"0f8fad5b-d9cb-469f-a165-70867728950e\", ' ~ ''                  | id                    | required",
            "'\"0f8fad5b-d9cb-469f-a165-70867728950e\"' ~ '\"42\"'                      | id                    | format",
            "'\"program\": \"cases\"'             ~ '\"program\": 7'                    | program               | type",
            "'\"program\": \"cases\"'             ~ '\"program\": \"shelter\"'          | program               | unknown_program",
            "'\"type\": \"intake\"'               ~ '\"type\": \"advice\"'              | type                  | unknown_activity",
            "'\"office\": \"PNH\"'                ~ '\"office\": \"KPT\"'               | office                | unknown_office",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"14/08/2015\"'          | date                  | format",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"2015-02-30\"'          | date                  | format",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"2015-13-01\"'          | date                  | format",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"2015-8-14\"'           | date                  | format",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"2015-08-1x\"'          | date                  | format",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"2015-09-03\"'          | date                  | future_date",
            "'\"date\": \"2015-08-14\"'           ~ '\"date\": \"1999-12-31\"'          | date                  | date_too_early",
            "'\"role\": \"victim\"'               ~ '\"role\": \"judge\"'               | subject.role          | enum",
            "'\"role\": \"victim\", '             ~ ''                                  | subject.role          | required",
            "'\"sex\": \"F\"'                     ~ '\"sex\": \"female\"'               | subject.sex           | enum",
            "'\"age\": 16'                        ~ '\"age\": 121'                      | subject.age           | range",
            "'\"age\": 16'                        ~ '\"age\": \"sixteen\"'              | subject.age           | type",
            "'\"age\": 16'                        ~ '\"age\": 16, \"name\": \"x\"'      | subject.name          | unknown_field",
            "'\"age\": 16'                        ~ '\"age\": 16, \"key\": \"abc\"'     | subject.key           | unknown_field",
            "'\"subject\": {'                     ~ '\"subject\": \"PNH-C-0042\", \"x\": {' | subject           | type",
            "'\"count\": 1'                       ~ '\"count\": 0'                      | count                 | range",
            "'\"count\": 1'                       ~ '\"count\": 1.5'                    | count                 | type",
            "'\"channel\": \"hotline\"'           ~ '\"channel\": \"fax\"'              | attributes.channel    | enum",
            "'{\"channel\": \"hotline\"}'         ~ '{}'                                | attributes.channel    | required",
            "'\"channel\": \"hotline\"'           ~ '\"channel\": \"hotline\", \"mood\": \"ok\"' | attributes.mood | unknown_attribute",
            "'\"channel\": \"hotline\"'           ~ '\"channel\": \"hotline\", \"note\": \"far too long\"' | attributes.note | max_length",
            "'\"channel\": \"hotline\"'           ~ '\"channel\": \"hotline\", \"calls\": 6' | attributes.calls  | range",
            "'\"channel\": \"hotline\"'           ~ '\"channel\": \"hotline\", \"urgent\": \"yes\"' | attributes.urgent | type",
            "'\"channel\": \"hotline\"'           ~ '\"channel\": \"hotline\", \"reported_on\": \"soon\"' | attributes.reported_on | format",
            "'\"attributes\": {\"channel\": \"hotline\"}' ~ '\"attributes\": [1]'     | attributes            | type",
            "'\"count\": 1'                       ~ '\"count\": 1, \"participants\": []' | participants         | participants_not_allowed"})
    void eachRuleNamesFieldAndRule(String change, String field, String rule) {
        String[] parts = change.split("~");
        String from = unquote(parts[0]);
        String to = unquote(parts[1]);
        assertThat(GOOD).contains(from);
        Item item = run(GOOD.replace(from, to));
        assertThat(item.outcome()).isEqualTo(Item.Outcome.REJECTED);
        assertThat(item.violations()).extracting(Violation::field, Violation::rule).contains(Tuple.tuple(field, rule));
        assertThat(item.violations()).allSatisfy(v -> {
            assertThat(v.reason()).isNotBlank().doesNotContain("PNH-C-0042");
        });
    }

    private static String unquote(String s) {
        s = s.trim();
        return s.substring(1, s.length() - 1);
    }

    @Test
    void aRequiredSubjectMustBeThere() {
        Item item = run(GOOD.replace("\"type\": \"intake\"", "\"type\": \"counselling\"")
                .replace("\"subject\": {\"ref\": \"PNH-C-0042\", \"role\": \"victim\", \"sex\": \"F\", \"age\": 16},", "")
                .replace(", \"attributes\": {\"channel\": \"hotline\"}", ""));
        assertThat(item.violations()).extracting(Violation::field, Violation::rule)
                .containsExactly(Tuple.tuple("subject", "required"));
    }

    @Test
    void anActivityWithoutSubjectRefusesOne() {
        Item item = run(GOOD.replace("\"type\": \"intake\"", "\"type\": \"meeting\"").replace(", \"attributes\": {\"channel\": \"hotline\"}", ""));
        assertThat(item.violations()).extracting(Violation::rule).containsExactly("subject_not_allowed");
    }

    @Test
    void theProgrammeMustRunAtTheOffice() {
        Item item = run("""
                {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "program": "other", "type": "visit", "office": "SRP", "date": "2015-08-14"}""");
        assertThat(item.violations()).extracting(Violation::field, Violation::rule)
                .containsExactly(Tuple.tuple("office", "not_deployed"));
        assertThat(item.violations().get(0).reason()).isEqualTo("office SRP does not run the other programme");
    }

    @Test
    void staffRecordOnlyForTheirOffices() {
        Item item = run(Fixtures.record(GOOD), Set.of("SRP"));
        assertThat(item.violations()).extracting(Violation::rule).containsExactly("office_not_permitted");
    }

    @Test
    void participantTalliesAreChecked() {
        String training = """
                {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "program": "cases", "type": "training", "office": "PNH",
                 "date": "2015-08-14", "participants": [%s]}""";
        assertThat(run(training.formatted("{\"group\": \"student\", \"sex\": \"F\", \"count\": 3}")).violations()).isEmpty();
        assertThat(run(training.formatted("{\"group\": \"pilot\", \"sex\": \"F\", \"count\": 3}")).violations())
                .extracting(Violation::field, Violation::rule).containsExactly(Tuple.tuple("participants[0].group", "enum"));
        assertThat(run(training.formatted("{\"group\": \"student\", \"sex\": \"F\", \"count\": -1}")).violations())
                .extracting(Violation::field, Violation::rule).containsExactly(Tuple.tuple("participants[0].count", "range"));
        assertThat(run(training.formatted("{\"group\": \"student\", \"sex\": \"Q\", \"count\": 1}")).violations())
                .extracting(Violation::field, Violation::rule).containsExactly(Tuple.tuple("participants[0].sex", "enum"));
    }

    @Test
    void aProgrammesOwnCheckRunsAfterTheDeclaredRules() {
        checks = List.of(record -> record.subject() != null && record.subject().age() != null && record.subject().age() > 15
                ? List.of(new Violation("subject.age", "intake_age", "intake is for children up to 15")) : List.of());
        assertThat(run(GOOD).violations()).extracting(Violation::rule).containsExactly("intake_age");
    }

    @Test
    void aThrowingProgrammeCheckRejectsWithoutCrashing() {
        checks = List.of(record -> {
            throw new IllegalStateException("boom");
        });
        assertThat(run(GOOD).violations()).extracting(Violation::rule).containsExactly("programme_check");
    }

    @Test
    void uuidsAreCheckedCharacterByCharacter() {
        assertThat(Validate.isUuid("0f8fad5b-d9cb-469f-a165-70867728950e")).isTrue();
        assertThat(Validate.isUuid("0F8FAD5B-D9CB-469F-A165-70867728950E")).isTrue();
        assertThat(Validate.isUuid("0f8fad5b-d9cb-469f-a165-70867728950")).isFalse();
        assertThat(Validate.isUuid("0f8fad5bd-9cb-469f-a165-70867728950e")).isFalse();
        assertThat(Validate.isUuid("0f8fad5b-d9cb-469f-a165-70867728950g")).isFalse();
        assertThat(Validate.isUuid("0f8fad5b-d9cb-469f-a165-7086772895-e")).isFalse();
        assertThat(Validate.isUuid("0f8fad5b-d9cb-469f-a165-70867728950\u00e9")).isFalse();
        assertThat(Validate.isUuid("0f8fad5b-d9cb-469f-a165-7086772895\uff10e".translateEscapes())).isFalse();
    }

    @Test
    void todayInTheEarliestTimeZoneIsNotTheFuture() {
        // The test clock is 2015-09-01T10:00Z: already 2 September in UTC+14, not yet 3 September anywhere.
        assertThat(run(GOOD.replace("2015-08-14", "2015-09-02")).violations()).isEmpty();
    }

    @Test
    void anonymousSubjectsAreAllowedWhereTheSubjectIsOptional() {
        Item item = run(GOOD.replace("\"ref\": \"PNH-C-0042\", ", ""));
        assertThat(item.violations()).isEmpty();
        assertThat(item.record().subjectKey()).isNull();
    }

    @Test
    void daysAreReadStrictlyWithOrWithoutTheFastPath() {
        assertThat(Validate.isoDay("2015-08-14")).isEqualTo(LocalDate.of(2015, 8, 14));
        assertThat(Validate.isoDay("2016-02-29")).isEqualTo(LocalDate.of(2016, 2, 29));
        for (String bad : List.of("2015-02-29", "2015-00-10", "2015-08-32", "2015-08-1 ", "+2015-08-14", "20150814", "")) {
            Assertions.assertThatThrownBy(() -> Validate.isoDay(bad))
                    .as(bad).isInstanceOf(DateTimeException.class);
        }
    }

    /**
     * Attack review (r2), tried and held: a field name with a dot (a CSV column headed
     * {@code subject.ref}, as the JSON spells it, becomes a top-level field of that name) reads
     * as the path {@code subject.ref}, which the dead letter's withholding would follow into the
     * subject and miss; and a case code as a field name. Pseudonymisation hashes such names
     * first, so neither the code nor the name reaches the stored body or a reason.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "\"subject.ref\": \"PNH-C-0042\"",
            "\"case.code\": \"PNH-C-0042\"",
            "\"subject\": {\"ref\": \"x\", \"role\": \"victim\", \"sex\": \"F\", \"case.ref\": \"PNH-C-0042\"}",
            "\"PNH-C-0042\": 1",
            "\"subject\": {\"ref\": \"x\", \"role\": \"victim\", \"sex\": \"F\", \"PNH-C-0042\": 1}"})
    void anUnknownFieldOfAnyNameLeavesNoCodeInTheDeadLetter(String extra) {
        String json = extra.startsWith("\"subject\"")
                ? GOOD.replaceFirst("\"subject\": \\{[^}]*\\}", Matcher.quoteReplacement(extra))
                : GOOD.replace("\"count\": 1,", "\"count\": 1, " + extra + ",");
        assertThat(json).contains(extra);
        Item item = run(json);
        assertThat(item.outcome()).isEqualTo(Item.Outcome.REJECTED);
        assertThat(item.violations()).extracting(Violation::rule).contains("unknown_field");
        WithheldValues.withhold(item.node(), item.violations());
        assertThat(item.node().toString()).as("what the dead letter stores").doesNotContain("PNH-C-0042");
        assertThat(item.violations()).allSatisfy(v -> assertThat(v.field() + " " + v.reason()).doesNotContain("PNH-C-0042"));
    }
    /**
     * Review r8: a rejection's id repeated whatever was sent as the id; a case code typed there
     * (over HTTP, or a spreadsheet key that could not become a UUID) reached the answer, the import
     * job's kept rejections and the inbox report. Only a UUID is repeated; the line names the record.
     */
    @Test
    void aRejectionRepeatsNoIdButAUuid() {
        String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        List<Item> items = new ArrayList<>();
        for (String id : List.of("PNH-C-0042", "xPNH-C-0042", uuid)) {
            String json = GOOD.replace(uuid, id).replace("\"hotline\"", "\"no_such_channel\"");
            items.add(Submission.item(items.size() + 1, Fixtures.record(json)));
            byte[] line = json.replace("\n", " ").getBytes(StandardCharsets.UTF_8);
            items.add(Submission.read(items.size() + 1, line, 0, line.length, Map.of()));
        }
        Submission submission = Submission.create("tester", "test", null, items);
        pseudonymise.process(submission);
        validate.process(submission);
        List<PublishResult.Rejection> rejected = submission.result().rejected();
        assertThat(rejected).extracting(PublishResult.Rejection::line).contains(1, 2, 3, 4, 5, 6);
        assertThat(rejected).filteredOn(r -> r.line() <= 4).allSatisfy(r -> assertThat(r.id()).isNull());
        assertThat(rejected).filteredOn(r -> r.line() > 4).allSatisfy(r -> assertThat(r.id()).isEqualTo(uuid));
        assertThat(rejected.toString()).doesNotContain("0042");
    }
}

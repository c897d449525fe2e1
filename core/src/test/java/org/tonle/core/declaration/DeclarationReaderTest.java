package org.tonle.core.declaration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeclarationReaderTest {

    static final String VALID = """
            id: legal
            name: {en: Legal Support Program, km: កម្មវិធីគាំទ្រផ្នែកច្បាប់}
            department: legal department
            activities:
              - id: counselling
                name: Legal counselling
                subject: required
                roles: [victim, family, witness]
                attributes:
                  - {name: setting, type: enum, values: [office, court]}
                  - {name: note, type: text, max_length: 120}
              - id: training
                name: Training
                subject: none
                participants: {groups: [student, villager]}
            indicators:
              - code: legal.counselled
                name: Counselled
                measure: distinct_subjects
                activity: counselling
                where: {role: [victim, family]}
                by: [office, sex, age_band, role, setting]
              - code: legal.sessions
                name: Sessions
                measure: records
                activity: [counselling]
              - code: legal.participants
                name: Participants
                measure: participants
                activity: training
                by: [office, group, sex]
              - code: legal.share
                name: Share counselled per session
                measure: ratio
                numerator: legal.counselled
                denominator: legal.sessions
                factor: 100
            report:
              conclusion: >-
                counselled {legal.counselled} {person|people:legal.counselled} ({legal.counselled:sex}),
                held {legal.sessions:words} sessions, {legal.counselled:setting}.
            """;

    final DeclarationReader reader = new DeclarationReader();

    Programme read(String yaml) throws DeclarationException {
        return reader.read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    @Test
    void readsAValidDeclaration() throws Exception {
        Programme p = read(VALID);
        assertThat(p.id()).isEqualTo("legal");
        assertThat(p.name().in("km")).isEqualTo("កម្មវិធីគាំទ្រផ្នែកច្បាប់");
        assertThat(p.name().in("fr")).isEqualTo("Legal Support Program");
        assertThat(p.activity("counselling").orElseThrow().attribute("note").orElseThrow().maxLength()).isEqualTo(120);
        Indicator counselled = p.indicator("legal.counselled").orElseThrow();
        assertThat(counselled.activity()).containsExactly("counselling");
        assertThat(counselled.where()).containsEntry("role", List.of("victim", "family"));
        assertThat(counselled.effectiveUnit()).isEqualTo("persons");
        assertThat(p.indicator("legal.sessions").orElseThrow().effectiveUnit()).isEqualTo("records");
        assertThat(p.indicator("legal.share").orElseThrow().effectiveUnit()).isEqualTo("percent");
        assertThat(p.indicator("legal.participants").orElseThrow().measure().countsPersons()).isTrue();
    }

    @Test
    void theFourProgrammesOfTheDistributionAreValid() throws Exception {
        for (String programme : new String[] {"legal", "social", "investigation", "awareness"}) {
            Path file = Path.of("..", "bundles", programme, "src/main/resources/TONLE-INF/programme.yaml");
            try (var in = Files.newInputStream(file)) {
                assertThat(reader.read(in, file.toString()).id()).isEqualTo(programme);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "bad id                      | 'id: legal'                     | 'id: Legal'                          | id 'Legal' must be lower-case",
            "activity declared twice     | '  - id: training'              | '  - id: counselling'                | activity 'counselling': declared twice",
            "roles without subject       | '    subject: none'             | '    subject: none\n    roles: [x]'  | roles are declared but subject is none",
            "enum without values         | 'values: [office, court]'       | 'values: []'                         | an enum needs values",
            "text without max_length     | ', max_length: 120'             | ''                                   | text needs a positive max_length",
            "text longer than searched   | ', max_length: 120'             | ', max_length: 8193'                 | max_length is at most 8192",
            "code of another programme   | 'code: legal.sessions'          | 'code: social.sessions'              | code must start with the programme id 'legal.'",
            "unknown activity            | 'activity: [counselling]'       | 'activity: [advice]'                 | activity 'advice' is not declared",
            "participants without tallies| 'activity: training'            | 'activity: counselling'              | measure participants needs activities that declare participants",
            "filter on an unknown value  | 'where: {role: [victim, family]}' | 'where: {role: [judge]}'           | where role 'judge' is not one of",
            "breakdown not allowed       | 'by: [office, group, sex]'      | 'by: [office, group, age_band]'      | cannot be broken down by 'age_band'",
            "ratio of nothing            | 'denominator: legal.sessions'   | 'denominator: legal.nothing'         | a ratio needs numerator and denominator",
            "template names no indicator | 'held {legal.sessions:words}'   | 'held {legal.meetings:words}'        | '{legal.meetings:words}' names no indicator",
            "template format unknown     | '{legal.counselled:setting}'    | '{legal.counselled:colour}'          | asks for 'colour'",
            "unknown measure             | 'measure: records'              | 'measure: rows'                      | rows",
            "unknown key                 | 'department: legal department'  | 'departement: legal department'      | departement"})
    void refusesABrokenDeclarationNamingFileAndProblem(String title, String from, String to, String expected) {
        String broken = VALID.replace(from, to.replace("\\n", "\n"));
        assertThat(broken).as("the test changes the declaration").isNotEqualTo(VALID);
        assertThatThrownBy(() -> read(broken))
                .isInstanceOf(DeclarationException.class)
                .hasMessageStartingWith("test.yaml: ")
                .hasMessageContaining(expected);
    }

    @Test
    void reportsEveryProblemAtOnce() {
        String broken = VALID.replace("id: legal", "id: Legal").replace("activity: [counselling]", "activity: [advice]");
        assertThatThrownBy(() -> read(broken)).hasMessageContaining("id 'Legal'").hasMessageContaining("'advice'");
    }

    @Test
    void anEmptyFileIsRefused() {
        assertThatThrownBy(() -> read("")).isInstanceOf(DeclarationException.class).hasMessageContaining("test.yaml");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> read("id: legal\nactivities: [\n")).hasMessageContaining("test.yaml").hasMessageContaining("line");
    }
}

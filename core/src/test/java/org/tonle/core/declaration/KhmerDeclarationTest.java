package org.tonle.core.declaration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Khmer in declarations: names, choice labels and conclusions by language (docs/LANGUAGES.md). */
class KhmerDeclarationTest {

    static final String DECLARATION = """
            id: legal
            name: {en: Legal Support Program, km: កម្មវិធីគាំទ្រផ្នែកច្បាប់}
            activities:
              - id: counselling
                name: {en: Legal counselling, km: ការប្រឹក្សាផ្នែកច្បាប់}
                subject: required
                roles: [victim]
                attributes:
                  - name: setting
                    type: enum
                    values: [office, court]
                    labels:
                      court: {en: Court, km: តុលាការ}
            indicators:
              - code: legal.counselled
                name: {en: Counselled, km: បានប្រឹក្សា}
                measure: distinct_subjects
                activity: counselling
            report:
              conclusion:
                en: "counselled {legal.counselled} {person|people:legal.counselled}."
                km: "បានប្រឹក្សា {legal.counselled} នាក់។"
            """;

    final DeclarationReader reader = new DeclarationReader();

    Programme read(String yaml) throws DeclarationException {
        return reader.read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    @Test
    void namesLabelsAndConclusionsByLanguage() throws Exception {
        Programme p = read(DECLARATION);
        Attribute setting = p.activity("counselling").orElseThrow().attribute("setting").orElseThrow();
        assertThat(setting.label("court", "km")).isEqualTo("តុលាការ");
        assertThat(setting.label("court", "en")).isEqualTo("Court");
        assertThat(setting.label("office", "km")).as("a value without a label is its own label").isEqualTo("office");
        assertThat(p.report().conclusion().in("km")).isEqualTo("បានប្រឹក្សា {legal.counselled} នាក់។");
        assertThat(p.report().conclusion().in("en")).startsWith("counselled");
    }

    @Test
    void aPlainConclusionAndNoLabelsStayValid() throws Exception {
        Programme p = read(DECLARATION.replace("""
                        labels:
                          court: {en: Court, km: តុលាការ}
                """, "").replaceAll("(?s)  conclusion:.*", "  conclusion: counselled {legal.counselled}.\n"));
        assertThat(p.report().conclusion().in("km")).isEqualTo("counselled {legal.counselled}.");
        assertThat(p.activity("counselling").orElseThrow().attribute("setting").orElseThrow().labels()).isNull();
    }

    @Test
    void labelsOfUndeclaredValuesAndBadKhmerPlaceholdersAreRefused() {
        assertThatThrownBy(() -> read(DECLARATION.replace("court: {en: Court", "prison: {en: Prison")))
                .hasMessageContaining("labels name 'prison', which is not one of its values");
        assertThatThrownBy(() -> read(DECLARATION.replace("បានប្រឹក្សា {legal.counselled}", "បានប្រឹក្សា {legal.nothing}")))
                .hasMessageContaining("'{legal.nothing}' names no indicator");
    }

    @Test
    void theFourProgrammesNameEverythingInKhmer() throws Exception {
        for (String id : new String[] {"legal", "social", "investigation", "awareness"}) {
            Path file = Path.of("..", "bundles", id, "src/main/resources/TONLE-INF/programme.yaml");
            Programme p;
            try (InputStream in = Files.newInputStream(file)) {
                p = reader.read(in, file.toString());
            }
            assertThat(p.name().byLanguage()).as(id).containsKey("km");
            assertThat(p.report().conclusion().byLanguage()).as(id + " conclusion").containsKey("km");
            for (Activity a : p.activities()) {
                assertThat(a.name().byLanguage()).as(a.id()).containsKey("km");
                for (Attribute attribute : a.attributes()) {
                    if (attribute.type() == AttributeType.ENUM) {
                        assertThat(attribute.labels()).as(a.id() + "/" + attribute.name()).isNotNull();
                        attribute.values().forEach(v -> assertThat(attribute.labels().get(v).byLanguage()).as(v).containsKey("km"));
                    }
                }
            }
            p.indicators().forEach(i -> assertThat(i.name().byLanguage()).as(i.code()).containsKey("km"));
        }
    }
}

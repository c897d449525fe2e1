package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.config.Office;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.pipelines.imports.NdjsonSource;

/** A small organisation for pipeline tests: two offices, two programmes. */
final class Fixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    static final String CASES = """
            id: cases
            name: Cases
            activities:
              - id: intake
                name: Case intake
                subject: optional
                roles: [victim, reporter]
                attributes:
                  - {name: channel, type: enum, values: [hotline, email], required: true}
                  - {name: note, type: text, max_length: 10}
                  - {name: calls, type: integer, min: 0, max: 5}
                  - {name: urgent, type: boolean}
                  - {name: reported_on, type: date}
              - id: counselling
                name: Counselling
                subject: required
                roles: [victim, family]
              - id: meeting
                name: Meeting
                subject: none
              - id: training
                name: Training
                subject: none
                participants: {groups: [student, villager]}
            indicators: []
            """;

    static final String OTHER = """
            id: other
            name: Other
            activities:
              - {id: visit, name: Visit, subject: none}
            """;

    static ProgrammeRegistry registry() throws Exception {
        ProgrammeRegistry registry = new ProgrammeRegistry();
        DeclarationReader reader = new DeclarationReader();
        registry.add(1, "cases-bundle", "1.0.0", reader.read(stream(CASES), "cases.yaml"));
        registry.add(2, "other-bundle", "1.0.0", reader.read(stream(OTHER), "other.yaml"));
        return registry;
    }

    static TonleConfig config() {
        return new TonleConfig(Path.of("config"), List.of(new Office("PNH", "Phnom Penh"), new Office("SRP", "Siem Reap")),
                Map.of("PNH", List.of("cases", "other"), "SRP", List.of("cases")), List.of(), Settings.defaults());
    }

    static ObjectNode record(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private Fixtures() {
    }

    /** One valid record of {@code id} (programme "cases"), pseudonymised and validated as the route does before the writer. */
    static Submission validSubmission(Pseudonymise pseudonymise, Validate validate, UUID id) {
        String line = "{\"id\":\"" + id + "\",\"program\":\"cases\",\"type\":\"meeting\",\"office\":\"PNH\",\"date\":\"2015-01-01\"}";
        Submission submission = Submission.create("tester", "test", null,
                NdjsonSource.items(line.getBytes(StandardCharsets.UTF_8), NdjsonSource.Wording.BODY));
        pseudonymise.process(submission);
        validate.process(submission);
        assertThat(submission.items().get(0).violations()).isEmpty();
        return submission;
    }
}

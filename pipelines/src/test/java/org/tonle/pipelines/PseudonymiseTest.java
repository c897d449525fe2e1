package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PseudonymiseTest {

    final SubjectKeys keys = SubjectKeys.of("0123456789abcdef0123456789abcdef".getBytes());
    final Pseudonymise pseudonymise = new Pseudonymise(keys);

    Submission submit(String json, boolean trusted) {
        Submission s = new Submission("t", "test", null, Submission.Mode.CREATE, null, trusted, List.of(Submission.item(1, Fixtures.record(json))));
        pseudonymise.process(s);
        return s;
    }

    @Test
    void replacesTheRefByItsKeyedHashTrimmed() {
        Submission s = submit("{\"subject\": {\"ref\": \"  PNH-C-0042 \", \"role\": \"victim\"}}", false);
        String node = s.items().get(0).node().toString();
        assertThat(node).doesNotContain("PNH-C-0042").doesNotContain("\"ref\"");
        assertThat(s.items().get(0).node().at("/subject/key").asText()).isEqualTo(keys.pseudonym("PNH-C-0042").toString());
    }

    @Test
    void anotherKeyGivesAnotherPseudonym() {
        assertThat(SubjectKeys.of(new byte[32]).pseudonym("PNH-C-0042")).isNotEqualTo(keys.pseudonym("PNH-C-0042"));
        assertThat(SubjectKeys.of(new byte[32]).fingerprint()).isNotEqualTo(keys.fingerprint());
    }

    @Test
    void aBlankRefIsAnAnonymousSubject() {
        Submission s = submit("{\"subject\": {\"ref\": \"  \", \"role\": \"victim\"}}", false);
        assertThat(s.items().get(0).node().path("subject").has("key")).isFalse();
    }

    @Test
    void aKeyChosenByAnUntrustedSenderIsNeverKept() {
        Submission s = submit("{\"subject\": {\"key\": \"11111111-1111-1111-1111-111111111111\", \"role\": \"victim\"}}", false);
        assertThat(s.items().get(0).node().at("/subject/key").asText()).isEqualTo("(not allowed)");
        Submission trusted = submit("{\"subject\": {\"key\": \"11111111-1111-1111-1111-111111111111\", \"role\": \"victim\"}}", true);
        assertThat(trusted.items().get(0).node().at("/subject/key").asText()).isEqualTo("11111111-1111-1111-1111-111111111111");
    }

    @Test
    void aSubjectThatIsNotABlockIsHashed() {
        Submission s = submit("{\"subject\": \"PNH-C-0042\"}", false);
        assertThat(s.items().get(0).node().toString()).doesNotContain("PNH-C-0042");
    }

    /** Shapes a regex redaction missed; none of the line may survive, whatever its shape. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"id\": \"x\", \"subject\": {\"ref\": \"PNH-C-0042\", \"role\": ",
            "{\"subject\": {\"\\u0072\\u0065f\": \"PNH-C-0042\"}",
            "{\"subject\": {\"ref\": \"PNH-\\u0043-0042\"",
            "{'subject': {'ref': 'PNH-C-0042'}}",
            "{subject: {ref: PNH-C-0042}}",
            "{\"subject\": {\"ref\": \"PNH-C-0042",
            "PNH-C-0042",
            "{\"subject\": {\"ref\" : \"PNH-C-0042\"}} trailing"})
    void aLineThatIsNotJsonKeepsOnlyItsLengthAndKeyedHash(String line) {
        Item item = Submission.malformed(3, line, "line 3 is not valid JSON");
        Submission s = new Submission("t", "test", null, Submission.Mode.CREATE, null, false, List.of(item));
        pseudonymise.process(s);
        assertThat(item.unparsed()).isNull();
        assertThat(item.lineLength()).isEqualTo(line.getBytes(StandardCharsets.UTF_8).length);
        assertThat(item.lineHash()).isEqualTo(keys.lineHash(line)).hasSize(64).doesNotContain("PNH");
        // Keyed: not the plain SHA-256 anyone could compute from a guess, nor the ref's pseudonym.
        assertThat(item.lineHash()).isNotEqualTo(Canonical.sha256(line));
        assertThat(keys.lineHash("PNH-C-0042")).doesNotContain(keys.pseudonym("PNH-C-0042").toString().replace("-", "").substring(0, 16));
        assertThat(SubjectKeys.of(new byte[32]).lineHash(line)).isNotEqualTo(item.lineHash());
    }

    @Test
    void unknownMembersMayHoldACaseCodeSoTheirNamesAndValuesAreHashed() {
        Submission s = submit("{\"case\": \"PNH-C-0042\", \"PNH-C-0043\": 1, \"subject\": {\"Ref\": \"PNH-C-0044\","
                + " \"PNH-C-0045\": true, \"role\": \"victim\"}}", false);
        String node = s.items().get(0).node().toString();
        assertThat(node).doesNotContain("PNH-C-004");
        // Plain-word names stay, so validation can say which member is wrong; their values never do.
        assertThat(node).contains("\"case\":\"(hashed) " + keys.pseudonym("PNH-C-0042"), "\"role\":\"victim\"").doesNotContain("Ref");
        assertThat(s.items().get(0).node().size()).isEqualTo(3);
    }
}

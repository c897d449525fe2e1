package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

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

    @Test
    void refsInLinesThatAreNotJsonAreHashed() {
        String redacted = pseudonymise.redact("{\"id\": \"x\", \"subject\": {\"ref\": \"PNH-C-0042\", \"role\": ");
        assertThat(redacted).doesNotContain("PNH-C-0042").contains(keys.pseudonym("PNH-C-0042").toString());
        assertThat(pseudonymise.redact("{\"subject\": {\"ref\": \"PNH-C-00")).doesNotContain("PNH-C-00\"").doesNotContain("PNH-C-00");
        assertThat(pseudonymise.redact("{\"subject\": {\"ref\": 4711, \"role\"")).doesNotContain("4711");
    }
}

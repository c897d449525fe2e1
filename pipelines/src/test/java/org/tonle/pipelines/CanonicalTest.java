package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.programme.api.Subject;

class CanonicalTest {

    @Test
    void theStreamedTextIsTheSortedMapText() {
        List<ActivityRecord> records = List.of(
                new ActivityRecord("a", "social", "client_contact", "PNH", LocalDate.of(2015, 8, 1),
                        new Subject("0f8fad5b-d9cb-469f-a165-70867728950e", "client", "F", 16), 1,
                        Map.of("setting", "shelter", "service", "referral"), List.of()),
                new ActivityRecord("b", "investigation", "case_intake", "SRP", LocalDate.of(2015, 8, 2),
                        new Subject(null, "reporter", "U", null), 3, Map.of("channel", "web", "online", true, "n", 4L), List.of()),
                new ActivityRecord("c", "awareness", "training", "SHV", LocalDate.of(2015, 8, 3), null, 1, Map.of(),
                        List.of(new ParticipantTally("taxi_driver", "M", 12), new ParticipantTally("cook", "F", 0))));
        for (ActivityRecord r : records) {
            Canonical.Form form = Canonical.of(r);
            assertThat(form.json()).isEqualTo(jsonByMaps(r));
            assertThat(form.sha256()).isEqualTo(Canonical.sha256(jsonByMaps(r))).hasSize(64);
        }
    }

    @Test
    void textAttributesAreEscapedAndNonAsciiHashedAsUtf8() throws Exception {
        ActivityRecord r = new ActivityRecord("d", "social", "client_contact", "PNH", LocalDate.of(2015, 8, 1), null, 1,
                Map.of("note", "line\n\"quoted\" ក្មេង"), List.of());
        Canonical.Form form = Canonical.of(r);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(form.json()).path("attributes").path("note").asText())
                .isEqualTo("line\n\"quoted\" ក្មេង");
        byte[] utf8 = form.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(form.sha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(utf8)));
    }

    /** The same text built through sorted maps: the definition {@link Canonical#of} must match. */
    static String jsonByMaps(ActivityRecord r) {
        java.util.Map<String, Object> root = new java.util.TreeMap<>();
        root.put("id", r.id());
        root.put("program", r.program());
        root.put("type", r.type());
        root.put("office", r.office());
        root.put("date", r.date().toString());
        root.put("count", r.count());
        root.put("attributes", new java.util.TreeMap<>(r.attributes()));
        if (r.subject() != null) {
            Map<String, Object> subject = new java.util.TreeMap<>();
            subject.put("key", r.subject().ref());
            subject.put("role", r.subject().role());
            subject.put("sex", r.subject().sex());
            subject.put("age", r.subject().age());
            root.put("subject", subject);
        }
        if (!r.participants().isEmpty()) {
            List<Map<String, Object>> tallies = new java.util.ArrayList<>();
            for (ParticipantTally t : r.participants()) {
                Map<String, Object> tally = new java.util.TreeMap<>();
                tally.put("group", t.group());
                tally.put("sex", t.sex());
                tally.put("count", t.count());
                tallies.add(tally);
            }
            root.put("participants", tallies);
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}

package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.PseudonymousRecord.Subject;
import org.tonle.warehouse.PseudonymousRecord;

class CanonicalTest {

    @Test
    void theStreamedTextIsTheSortedMapText() {
        List<PseudonymousRecord> records = List.of(
                new PseudonymousRecord(id(1), "social", "client_contact", "PNH", LocalDate.of(2015, 8, 1),
                        new Subject(UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"), "client", "F", 16), 1,
                        Map.of("setting", "shelter", "service", "referral"), List.of()),
                new PseudonymousRecord(id(2), "investigation", "case_intake", "SRP", LocalDate.of(2015, 8, 2),
                        new Subject(null, "reporter", "U", null), 3, Map.of("channel", "web", "online", true, "n", 4L), List.of()),
                new PseudonymousRecord(id(3), "awareness", "training", "SHV", LocalDate.of(2015, 8, 3), null, 1, Map.of(),
                        List.of(new ParticipantTally("taxi_driver", "M", 12), new ParticipantTally("cook", "F", 0))));
        for (PseudonymousRecord r : records) {
            Canonical.Form form = Canonical.of(r);
            assertThat(form.json()).isEqualTo(jsonByMaps(r));
            assertThat(form.sha256()).isEqualTo(Canonical.sha256(jsonByMaps(r))).hasSize(64);
        }
    }

    @Test
    void textAttributesAreEscapedAndNonAsciiHashedAsUtf8() throws Exception {
        PseudonymousRecord r = new PseudonymousRecord(id(4), "social", "client_contact", "PNH", LocalDate.of(2015, 8, 1), null, 1,
                Map.of("note", "line\n\"quoted\" ក្មេង"), List.of());
        Canonical.Form form = Canonical.of(r);
        assertThat(new ObjectMapper().readTree(form.json()).path("attributes").path("note").asText())
                .isEqualTo("line\n\"quoted\" ក្មេង");
        byte[] utf8 = form.json().getBytes(StandardCharsets.UTF_8);
        assertThat(form.sha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(utf8)));
    }

    private static UUID id(int n) {
        return new UUID(0, n);
    }

    /** The same text built through sorted maps: the definition {@link Canonical#of} must match. */
    static String jsonByMaps(PseudonymousRecord r) {
        Map<String, Object> root = new TreeMap<>();
        root.put("id", r.id().toString());
        root.put("program", r.program());
        root.put("type", r.type());
        root.put("office", r.office());
        root.put("date", r.date().toString());
        root.put("count", r.count());
        root.put("attributes", new TreeMap<>(r.attributes()));
        if (r.subject() != null) {
            Map<String, Object> subject = new TreeMap<>();
            subject.put("key", r.subject().key() == null ? null : r.subject().key().toString());
            subject.put("role", r.subject().role());
            subject.put("sex", r.subject().sex());
            subject.put("age", r.subject().age());
            root.put("subject", subject);
        }
        if (!r.participants().isEmpty()) {
            List<Map<String, Object>> tallies = new ArrayList<>();
            for (ParticipantTally t : r.participants()) {
                Map<String, Object> tally = new TreeMap<>();
                tally.put("group", t.group());
                tally.put("sex", t.sex());
                tally.put("count", t.count());
                tallies.add(tally);
            }
            root.put("participants", tallies);
        }
        try {
            return new ObjectMapper().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}

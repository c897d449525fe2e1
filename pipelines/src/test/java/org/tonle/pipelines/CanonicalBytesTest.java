package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.PseudonymousRecord.Subject;
import org.tonle.warehouse.PseudonymousRecord;

/**
 * The canonical body and its hash are stored and decide "duplicate": the hand-written writer of
 * plain records (issue 22) must give, byte for byte, what Jackson's generator gives.
 */
class CanonicalBytesTest {

    private static final String[] TEXTS = {"shelter", "PNH", "a b", "x/y.z-1", "~!#$%&'()*+,-./:;<=>?@[]^_`{|}", "", "quote\"d",
            "back\\slash", "tab\there", "line\nbreak", "\u0001", "\u007F", "caf\u00e9", "ក្មេង", "😀", "\ud83d", "</script>"};

    @Test
    void plainRecordsAreWrittenAsJacksonWritesThem() {
        Random random = new Random(22);
        int plain = 0;
        for (int n = 0; n < 20_000; n++) {
            PseudonymousRecord r = record(random, n);
            Canonical.Form form = Canonical.of(r);
            Canonical.Form jackson = Canonical.viaJackson(r);
            assertThat(form).as("record %s", r).isEqualTo(jackson);
            plain += Canonical.plain(r) != null ? 1 : 0;
        }
        assertThat(plain).isGreaterThan(2_000);
    }

    @Test
    void theHashesOfKnownRecordsAreUnchanged() {
        // Hashes written by the canonical writer before issue 22: stored versions carry them.
        assertThat(Canonical.of(new PseudonymousRecord(new UUID(0, 1), "social", "client_contact", "PNH", LocalDate.of(2015, 8, 1),
                new Subject(UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"), "client", "F", 16), 1,
                Map.of("setting", "shelter", "service", "referral"), List.of())).sha256())
                .isEqualTo("3efb8609770f3e19b4ad74c9af6cda74748ddd6dea54ad9b39200360aed14089");
        assertThat(Canonical.of(new PseudonymousRecord(new UUID(0, 3), "awareness", "training", "SHV", LocalDate.of(2015, 8, 3), null, 1,
                Map.of("topic", "grooming", "n", 4L, "online", true),
                List.of(new ParticipantTally("taxi_driver", "M", 12), new ParticipantTally("cook", "F", 0)))).sha256())
                .isEqualTo("f904f848e4631f964577bb8a961127fd3587b2e2336ee9c24141fd2e38c3bd6a");
        assertThat(Canonical.of(new PseudonymousRecord(new UUID(-1, 5), "investigation", "case_intake", "SRP", LocalDate.of(2000, 1, 1),
                new Subject(null, "reporter", "U", null), 3, Map.of("channel", "hotline"), List.of())).sha256())
                .isEqualTo("180a103c4a5748c446528899bf232c46868862861b0c5d4a59531b3a5b5cd595");
    }

    private static PseudonymousRecord record(Random random, int n) {
        Map<String, Object> attributes = new HashMap<>();
        for (int a = random.nextInt(4); a > 0; a--) {
            String name = random.nextInt(10) == 0 ? text(random) : "attr" + random.nextInt(6);
            switch (random.nextInt(5)) {
                case 0 -> attributes.put(name, random.nextLong() >> random.nextInt(64));
                case 1 -> attributes.put(name, random.nextBoolean());
                case 2 -> attributes.put(name, random.nextInt(40) == 0 ? (Object) 7 : text(random));
                default -> attributes.put(name, TEXTS[random.nextInt(2)]);
            }
        }
        Subject subject = switch (random.nextInt(3)) {
            case 0 -> null;
            case 1 -> new Subject(new UUID(random.nextLong(), random.nextLong()), plainOr(random, "client"), plainOr(random, "F"),
                    random.nextBoolean() ? null : random.nextInt(121));
            default -> new Subject(null, "reporter", "U", random.nextBoolean() ? null : 0);
        };
        List<ParticipantTally> tallies = new ArrayList<>();
        for (int t = random.nextInt(3); t > 0; t--) {
            tallies.add(new ParticipantTally(plainOr(random, "taxi_driver"), plainOr(random, "M"), random.nextInt(1000)));
        }
        LocalDate date = switch (random.nextInt(20)) {
            case 0 -> LocalDate.of(random.nextInt(1000), 1 + random.nextInt(12), 1 + random.nextInt(28));
            case 1 -> LocalDate.of(10_000 + random.nextInt(5000), 2, 28);
            case 2 -> LocalDate.of(-5, 12, 31);
            default -> LocalDate.of(2000, 1, 1).plusDays(random.nextInt(10_000));
        };
        return new PseudonymousRecord(new UUID(random.nextLong(), n), plainOr(random, "social"), plainOr(random, "client_contact"),
                plainOr(random, "PNH"), date, subject, random.nextInt(8) == 0 ? Integer.MAX_VALUE : 1 + random.nextInt(3), attributes, tallies);
    }

    private static String plainOr(Random random, String plain) {
        return random.nextInt(30) == 0 ? text(random) : plain;
    }

    private static String text(Random random) {
        return TEXTS[random.nextInt(TEXTS.length)] + (random.nextBoolean() ? "" : TEXTS[random.nextInt(TEXTS.length)]);
    }
}

package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;
import org.tonle.programme.api.ParticipantTally;

/**
 * The record store hands the Appender the UTF-8 bytes of repeated values, encoded once: they must
 * be the very bytes of each value (never another value's, however the cache fills and clears),
 * and what the warehouse holds must read back as the values committed.
 */
class Utf8ValuesTest {

    @TempDir
    Path dir;

    @Test
    void everyValueGetsItsOwnBytesWhileTheCacheFillsAndClears() {
        Utf8Values values = new Utf8Values();
        Random random = new Random(22);
        assertThat(values.of(null)).isNull();
        for (int i = 0; i < 3 * Utf8Values.CAPACITY; i++) {
            String value = text(random);
            // An equal text that is another instance: the bytes are the value's, not the instance's.
            String copy = new String(value.toCharArray());
            assertThat(values.of(value)).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
            assertThat(values.of(copy)).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
            assertThat(values.size()).isLessThanOrEqualTo(Utf8Values.CAPACITY);
        }
    }

    @Test
    void committedTextValuesReadBackAsCommitted() throws Exception {
        Random random = new Random(7);
        List<Change> changes = new ArrayList<>();
        List<PseudonymousRecord> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            UUID id = UUID.randomUUID();
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("channel", i % 3 == 0 ? "téléphone" : "visit");
            attributes.put("n", i % 5);
            PseudonymousRecord r = new PseudonymousRecord(id, "social", i % 2 == 0 ? "client_contact" : "អប់រំ_" + (i % 4),
                    i % 7 == 0 ? text(random) : "PNH", LocalDate.of(2015, 8, 4),
                    new PseudonymousRecord.Subject(new UUID(0, i), i % 3 == 0 ? null : "client", i % 2 == 0 ? "f" : "m", 12), 1,
                    attributes, List.of(new ParticipantTally(i % 2 == 0 ? "children" : "ក្មេង", "f", 3)));
            records.add(r);
            changes.add(new Change(id, 1, Change.Action.CREATE, "h" + i, "{\"i\":" + i + "}", r, i % 4 == 0 ? text(random) : "tester",
                    i % 6 == 0 ? "import:" + text(random) : "http", Instant.now()));
        }
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            // In three commits, so that the cache is reused across them.
            store.commit(changes.subList(0, 100));
            store.commit(changes.subList(100, 200));
            store.commit(changes.subList(200, 300));
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                for (int i = 0; i < changes.size(); i++) {
                    Change change = changes.get(i);
                    PseudonymousRecord r = records.get(i);
                    try (ResultSet rs = s.executeQuery("SELECT v.action, v.recorded_by, v.source, f.program, f.activity, f.office, f.role,"
                            + " f.sex, f.age_band, f.attributes, p.participant_group, p.sex FROM record_version v"
                            + " JOIN fact_activity f USING (record_id) JOIN fact_participants p USING (record_id)"
                            + " WHERE record_id = '" + change.recordId() + "'")) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString(1)).isEqualTo("create");
                        assertThat(rs.getString(2)).isEqualTo(change.recordedBy());
                        assertThat(rs.getString(3)).isEqualTo(change.source());
                        assertThat(rs.getString(4)).isEqualTo(r.program());
                        assertThat(rs.getString(5)).isEqualTo(r.type());
                        assertThat(rs.getString(6)).isEqualTo(r.office());
                        assertThat(rs.getString(7)).isEqualTo(r.subject().role());
                        assertThat(rs.getString(8)).isEqualTo(r.subject().sex());
                        assertThat(rs.getString(9)).isEqualTo("12-14");
                        // Keys in the record's map order (Map.copyOf: any order), so compared as JSON.
                        assertThat(Json.MAPPER.readTree(rs.getString(10))).isEqualTo(Json.MAPPER.readTree(i % 3 == 0
                                ? "{\"channel\":\"téléphone\",\"n\":" + (i % 5) + "}" : "{\"channel\":\"visit\",\"n\":" + (i % 5) + "}"));
                        assertThat(rs.getString(11)).isEqualTo(r.participants().get(0).group());
                        assertThat(rs.getString(12)).isEqualTo("f");
                        assertThat(rs.next()).isFalse();
                    }
                }
            }
        }
    }

    /** 0–30 characters: ASCII, accented, Khmer, and surrogate pairs. */
    private static String text(Random random) {
        String[] pieces = {"a", "Z", "9", " ", "é", "ñ", "ក", "្", "😀", "\"", "\\", "PNH", "client_contact"};
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(31);
        for (int i = 0; i < n; i++) {
            b.append(pieces[random.nextInt(pieces.length)]);
        }
        return b.toString();
    }
}

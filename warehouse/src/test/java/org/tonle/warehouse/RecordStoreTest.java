package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.tonle.core.Json;
import org.junit.jupiter.api.io.TempDir;

/** A group commit can hold several versions of one record; only the newest may have facts. */
class RecordStoreTest {

    @TempDir
    Path dir;

    private static PseudonymousRecord contact(UUID id, String sex) {
        return new PseudonymousRecord(id, "social", "client_contact", "PNH", LocalDate.of(2015, 8, 4),
                new PseudonymousRecord.Subject(new UUID(0, 7), "client", sex, 12), 1, Map.of(), List.of());
    }

    private static Change change(UUID id, int version, Change.Action action, PseudonymousRecord record) {
        return new Change(id, version, action, "h" + version, record == null ? null : "{}", record, "t", "t", Instant.now());
    }

    /**
     * An office's outbox forwards changes in the order their transactions joined it, so prepared
     * transactions commit in the order prepared, and a whole commit waits for them: a caller
     * that breaks this is refused and nothing of the offending transaction is stored.
     */
    @Test
    void preparedTransactionsCommitInTheOrderPreparedAndAWholeCommitWaitsForThem() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            UUID a = UUID.randomUUID();
            UUID b = UUID.randomUUID();
            RecordStore.Prepared first = store.prepare(List.of(change(a, 1, Change.Action.CREATE, contact(a, "F"))), List.of());
            RecordStore.Prepared second = store.prepare(List.of(change(b, 1, Change.Action.CREATE, contact(b, "M"))), List.of());
            UUID c = UUID.randomUUID();
            assertThatThrownBy(() -> store.commit(List.of(change(c, 1, Change.Action.CREATE, contact(c, "F")))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("prepared transactions are open");
            assertThatThrownBy(() -> store.finish(second))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("finished before transaction 1");
            assertThatThrownBy(() -> store.finish(first)).isInstanceOf(IllegalStateException.class);
            assertThat(versions(warehouse)).as("neither transaction committed out of turn").isZero();

            // In turn, all is well again.
            store.finish(store.prepare(List.of(change(a, 1, Change.Action.CREATE, contact(a, "F"))), List.of()));
            store.commit(List.of(change(c, 1, Change.Action.CREATE, contact(c, "F"))));
            assertThat(versions(warehouse)).isEqualTo(2);
        }
    }

    private static long versions(Warehouse warehouse) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM record_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aRecordCreatedAndCorrectedInOneCommitCountsOnceAsCorrected() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            UUID corrected = UUID.randomUUID();
            UUID voided = UUID.randomUUID();
            store.commit(List.of(
                    change(corrected, 1, Change.Action.CREATE, contact(corrected, "F")),
                    change(voided, 1, Change.Action.CREATE, contact(voided, "F")),
                    change(corrected, 2, Change.Action.CORRECT, contact(corrected, "M")),
                    change(voided, 2, Change.Action.VOID, null)));
            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), min(sex), min(record_id::VARCHAR) FROM fact_activity")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
                assertThat(rs.getString(2)).isEqualTo("M");
                assertThat(rs.getString(3)).isEqualTo(corrected.toString());
            }
            assertThat(store.reconcile()).as("facts already follow the newest versions").isZero();
        }
    }

    /** The writer reuses the JSON of attribute maps it has written; each fact still gets its own. */
    @Test
    void everyFactKeepsItsOwnAttributesAndEveryVersionItsTimeToTheMicrosecond() throws Exception {
        Instant at = Instant.parse("2026-11-30T20:15:42.123456789Z");
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            List<Map<String, Object>> attributes = List.of(Map.of("setting", "shelter"), Map.of("setting", "home"),
                    Map.of("setting", "shelter"), Map.of("setting", "shelter", "visits", 3), Map.of(), Map.of("visits", 3),
                    Map.of("tags", List.of("a", "b")), Map.of("tags", List.of("a", "b")));
            for (int round = 0; round < 2; round++) {
                List<Change> changes = new ArrayList<>();
                for (int i = 0; i < attributes.size(); i++) {
                    UUID id = new UUID(round, i);
                    PseudonymousRecord r = new PseudonymousRecord(id, "social", "client_contact", "PNH", LocalDate.of(2015, 8, 4),
                            null, 1, attributes.get(i), List.of());
                    changes.add(new Change(id, 1, Change.Action.CREATE, "h", "{}", r, "t", "t", at));
                }
                store.commit(changes);
            }
            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT recorded_at FROM record_version")) {
                int versions = 0;
                while (rs.next()) {
                    versions++;
                    assertThat(rs.getObject(1, OffsetDateTime.class).toInstant()).isEqualTo(Instant.parse("2026-11-30T20:15:42.123456Z"));
                }
                assertThat(versions).isEqualTo(2 * attributes.size());
            }
            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT record_id, attributes FROM fact_activity ORDER BY record_id")) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    assertThat(Json.MAPPER.readValue(rs.getString(2), Map.class)).as("attributes of %s", id)
                            .isEqualTo(attributes.get((int) id.getLeastSignificantBits()));
                }
            }
        }
    }
}

package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
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
}

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
import org.tonle.programme.api.ParticipantTally;

/** What a crash can leave behind (part of an uncommitted write back from the WAL) is set right at start. */
class ReconcileTest {

    @Test
    void factsFollowTheStoredVersionsAfterAnUncleanStop(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            UUID training = UUID.randomUUID();
            PseudonymousRecord record = new PseudonymousRecord(training, "awareness", "training", "SHV", LocalDate.of(2015, 8, 4), null, 1,
                    Map.of("topic", "grooming"), List.of(new ParticipantTally("taxi_driver", "M", 12)));
            String body = "{\"attributes\":{\"topic\":\"grooming\"},\"count\":1,\"date\":\"2015-08-04\",\"id\":\"" + training
                    + "\",\"office\":\"SHV\",\"participants\":[{\"count\":12,\"group\":\"taxi_driver\",\"sex\":\"M\"}],\"program\":\"awareness\",\"type\":\"training\"}";
            store.commit(List.of(new Change(training, 1, Change.Action.CREATE, "h", body, record, "t", "t", Instant.now())));
            assertThat(store.reconcile()).as("healthy: nothing to do").isZero();

            UUID orphan = UUID.randomUUID();
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM fact_activity");
                s.execute("INSERT INTO fact_activity (record_id, program, activity, office, activity_date, count) VALUES ('"
                        + orphan + "', 'awareness', 'training', 'SHV', DATE '2015-08-04', 1)");
            }
            assertThat(store.reconcile()).isEqualTo(3); // the orphan fact, the tally left without fact, the rebuilt record

            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT string_agg(record_id::VARCHAR) FROM fact_activity),"
                         + " (SELECT sum(count) FROM fact_participants WHERE record_id = '" + training + "'),"
                         + " (SELECT attributes FROM fact_activity)")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(training.toString());
                assertThat(rs.getLong(2)).isEqualTo(12);
                assertThat(rs.getString(3)).isEqualTo("{\"topic\":\"grooming\"}");
            }
        }
    }
}

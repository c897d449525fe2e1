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
            new NodeSettings(warehouse).put(NodeSettings.INDICATOR_CUBE_FILE, "token");
            assertThat(store.reconcile()).as("healthy: nothing to do").isZero();
            assertThat(new NodeSettings(warehouse).get(NodeSettings.INDICATOR_CUBE_FILE)).as("the cube file still describes the facts").contains("token");

            UUID orphan = UUID.randomUUID();
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM fact_activity");
                s.execute("INSERT INTO fact_activity (record_id, program, activity, office, activity_date, count) VALUES ('"
                        + orphan + "', 'awareness', 'training', 'SHV', DATE '2015-08-04', 1)");
            }
            assertThat(store.reconcile()).isEqualTo(3); // the orphan fact, the tally left without fact, the rebuilt record
            assertThat(new NodeSettings(warehouse).get(NodeSettings.INDICATOR_CUBE_FILE)).as("facts changed: no cube file describes them").isEmpty();

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

    @Test
    void aStartAfterACleanCloseSkipsTheScanAndAnyOtherStartReconciles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.duckdb");
        UUID training = UUID.randomUUID();
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            assertThat(store.reconcileUnlessClosedCleanly()).isZero();
            PseudonymousRecord record = new PseudonymousRecord(training, "awareness", "training", "SHV", LocalDate.of(2015, 8, 4), null, 1,
                    Map.of("topic", "grooming"), List.of(new ParticipantTally("taxi_driver", "M", 12)));
            String body = "{\"attributes\":{\"topic\":\"grooming\"},\"count\":1,\"date\":\"2015-08-04\",\"id\":\"" + training
                    + "\",\"office\":\"SHV\",\"participants\":[{\"count\":12,\"group\":\"taxi_driver\",\"sex\":\"M\"}],\"program\":\"awareness\",\"type\":\"training\"}";
            store.commit(List.of(new Change(training, 1, Change.Action.CREATE, "h", body, record, "t", "t", Instant.now())));
        }
        // Closed cleanly: the next start does not scan (the facts removed behind its back show it did not look).
        try (Warehouse warehouse = Warehouse.open(file)) {
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM fact_activity");
            }
            try (RecordStore store = new RecordStore(warehouse)) {
                assertThat(store.reconcileUnlessClosedCleanly()).as("closed cleanly: nothing to reconcile").isZero();
                // While it runs the mark says "not closed cleanly": what a crash would leave.
                assertThat(new NodeSettings(warehouse).get("record_store_closed_cleanly")).contains("false");
            }
            // As a crash of that run would have left it (a process cannot be killed inside this test).
            new NodeSettings(warehouse).put("record_store_closed_cleanly", "false");
        }
        try (Warehouse warehouse = Warehouse.open(file)) {
            // A start that fails before it reconciles and then closes says nothing about the facts.
            new RecordStore(warehouse).close();
            assertThat(new NodeSettings(warehouse).get("record_store_closed_cleanly")).contains("false");
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            assertThat(store.reconcileUnlessClosedCleanly()).as("after the crash: the tally left without fact, the rebuilt record").isEqualTo(2);
            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT string_agg(record_id::VARCHAR) FROM fact_activity")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(training.toString());
            }
        }
    }
}

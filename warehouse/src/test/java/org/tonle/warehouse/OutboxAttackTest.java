package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review attacks on the slim outbox (branch outbox, migration 040-outbox-slim.sql): what the
 * outbox reports and forwards once its rows only name their change.
 */
class OutboxAttackTest {

    /**
     * After a start the queue is empty and the changes wait in the table; the forwarder may
     * acknowledge and trim them while a status or metrics request reads the depth (depth() reads
     * {@code acknowledged} under the lock and queries the table after it). The table then holds no
     * row after that point: the depth must still answer (the old {@code min(recorded_at)} gave NULL).
     */
    @Test
    void theDepthAnswersWhenTheWaitingRowsWereTrimmedMeanwhile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.duckdb");
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            store.commitHook(new Outbox(warehouse, 100));
            store.commit(List.of(create(UUID.randomUUID())));
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            // The state depth() sees when a concurrent acknowledge + trim removed the rows after it read
            // its bounds: the forwarder's trim, run between the two.
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM outbox");
            }
            Outbox.Depth depth = outbox.depth();
            assertThat(depth.oldest()).isNull();
        }
    }

    /** A row whose version is missing is skipped by next() (logged); the depth must not fail on it either. */
    @Test
    void theDepthAnswersWhenTheFirstWaitingRowNamesAMissingVersion(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.duckdb");
        Change kept = create(UUID.randomUUID());
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            store.commitHook(new Outbox(warehouse, 100));
            store.commit(List.of(create(UUID.randomUUID())));
            store.commit(List.of(kept));
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM record_version WHERE record_id NOT IN ('" + kept.recordId() + "')");
            }
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            Outbox.Depth depth = outbox.depth();
            assertThat(depth.count()).isEqualTo(2);
        }
    }

    /**
     * One group commit holds a record's creation, correction and void (the writer groups them) and
     * another record: after a restart the table is read back through record_version, each change
     * once, in commit order, with its own action and body; acknowledged, nothing is sent again.
     */
    @Test
    void aCreateCorrectAndVoidInOneCommitComeBackOnceEachAfterARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.duckdb");
        UUID id = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Change> changes = List.of(
                new Change(id, 1, Change.Action.CREATE, "h1", "{\"v\":1}", null, "a", "http", at),
                new Change(id, 2, Change.Action.CORRECT, "h2", "{\"v\":2}", null, "b", "http", at.plusMillis(1)),
                new Change(id, 3, Change.Action.VOID, "h3", null, null, "c", "http", at.plusMillis(2)),
                create(UUID.randomUUID()));
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            store.commitHook(new Outbox(warehouse, 100));
            store.commit(changes);
        }
        List<Outbox.Entry> read = new ArrayList<>();
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100, 2);
            store.commitHook(outbox);
            for (List<Outbox.Entry> batch; !(batch = outbox.next(1)).isEmpty(); ) {
                read.addAll(batch);
                outbox.acknowledge(batch.get(0).seq());
            }
            outbox.trim();
        }
        assertThat(read).extracting(Outbox.Entry::action).containsExactly("create", "correct", "void", "create");
        assertThat(read).extracting(Outbox.Entry::body).containsExactly("{\"v\":1}", "{\"v\":2}", null, changes.get(3).body());
        assertThat(read).extracting(Outbox.Entry::recordedBy).containsExactly("a", "b", "c", "x");
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            assertThat(outbox.next(10)).isEmpty();
            assertThat(outbox.depth().count()).isZero();
        }
    }

    private static Change create(UUID id) {
        return new Change(id, 1, Change.Action.CREATE, "hash-" + id, "{\"id\":\"" + id + "\"}", null, "x", "http",
                Instant.now().truncatedTo(ChronoUnit.MICROS));
    }
}

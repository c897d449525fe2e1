package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The office outbox commits and rolls back with the records it carries, and is bounded. */
class OutboxTest {

    @Test
    void changesEnterWithTheirCommitLeaveInOrderAndAFullOutboxRollsBackTheWholeBatch(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 3);
            store.commitHook(outbox);
            List<Change> first = List.of(change(), change());
            store.commit(first);
            assertThat(outbox.depth().count()).isEqualTo(2);
            assertThat(versions(warehouse)).isEqualTo(2);

            // Two more would make four of at most three: nothing of the batch stays, not even its versions.
            assertThatThrownBy(() -> store.commit(List.of(change(), change())))
                    .isInstanceOf(OutboxFullException.class).hasMessageContaining("2 of at most 3");
            assertThat(versions(warehouse)).isEqualTo(2);
            assertThat(outbox.depth().count()).isEqualTo(2);

            List<Outbox.Entry> waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId).containsExactly(first.get(0).recordId(), first.get(1).recordId());
            assertThat(waiting.get(0).seq()).isLessThan(waiting.get(1).seq());
            assertThat(waiting.get(0).body()).isEqualTo(first.get(0).body());
            outbox.remove(waiting.get(0).seq());
            assertThat(outbox.next(10)).extracting(Outbox.Entry::recordId).containsExactly(first.get(1).recordId());

            store.commit(List.of(change()));
            List<Outbox.Entry> after = outbox.next(10);
            assertThat(after).hasSize(2);
            assertThat(after.get(1).seq()).isGreaterThan(after.get(0).seq());
        }
    }

    private static Change change() {
        UUID id = UUID.randomUUID();
        String body = "{\"id\":\"" + id + "\",\"program\":\"investigation\"}";
        return new Change(id, 1, Change.Action.CREATE, "hash-" + id, body, null, "test", "test", Instant.now());
    }

    private static long versions(Warehouse warehouse) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM record_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

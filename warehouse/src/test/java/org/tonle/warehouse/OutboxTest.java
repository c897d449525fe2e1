package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The office outbox commits and rolls back with the records it carries, is bounded, hands
 * committed changes over in memory and keeps the table as the durable copy.
 */
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
            outbox.acknowledge(waiting.get(0).seq());
            assertThat(outbox.next(10)).extracting(Outbox.Entry::recordId).containsExactly(first.get(1).recordId());

            store.commit(List.of(change()));
            List<Outbox.Entry> after = outbox.next(10);
            assertThat(after).hasSize(2);
            assertThat(after.get(1).seq()).isGreaterThan(after.get(0).seq());
        }
    }

    @Test
    void committedChangesAreForwardedFromMemoryAndTheTableIsTrimmedInRuns(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            List<Change> first = List.of(change(), change(), change());
            store.commit(first);
            assertThat(rows(warehouse)).isEqualTo(3);
            // The forwarder reads memory, not the table: rows gone from the table behind its back are still handed over.
            execute(warehouse, "DELETE FROM outbox");
            List<Outbox.Entry> waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId).containsExactlyElementsOf(first.stream().map(Change::recordId).toList());
            assertThat(outbox.next(2)).hasSize(2);
            Change second = change();
            store.commit(List.of(second));
            assertThat(rows(warehouse)).isEqualTo(1);

            // Acknowledged: they leave memory at once, the table when trimmed (in runs, here at once).
            outbox.acknowledge(outbox.next(10).get(3).seq());
            assertThat(outbox.next(10)).isEmpty();
            assertThat(outbox.depth()).isEqualTo(new Outbox.Depth(0, null));
            outbox.trim();
            assertThat(rows(warehouse)).isZero();
        }
    }

    @Test
    void afterAStartWhatTheTableHoldsIsSentAgainInOrderThenNewCommitsFollow(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.duckdb");
        List<Change> before = List.of(change(), change(), change(), change());
        long lastSeq;
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            store.commit(before.subList(0, 2));
            store.commit(before.subList(2, 4));
            List<Outbox.Entry> sent = outbox.next(1);
            outbox.acknowledge(sent.get(0).seq());
            outbox.trim();
            lastSeq = outbox.next(10).get(2).seq();
            // Killed here: the three unacknowledged changes are only in the table.
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            assertThat(outbox.depth().count()).isEqualTo(3);
            assertThat(outbox.depth().oldest()).isNotNull();
            Change later = change();
            store.commit(List.of(later));
            assertThat(outbox.depth().count()).isEqualTo(4);
            List<Outbox.Entry> waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId)
                    .containsExactly(before.get(1).recordId(), before.get(2).recordId(), before.get(3).recordId(), later.recordId());
            assertThat(waiting.get(3).seq()).isEqualTo(lastSeq + 1);
        }
    }

    @Test
    void moreThanTheMemoryHoldsWaitsInTheTableAndFollowsInOrder(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 1000, 3);
            store.commitHook(outbox);
            List<Change> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                List<Change> two = List.of(change(), change());
                all.addAll(two);
                store.commit(two);
            }
            assertThat(outbox.depth().count()).isEqualTo(10);
            List<UUID> forwarded = new ArrayList<>();
            for (List<Outbox.Entry> batch; !(batch = outbox.next(3)).isEmpty(); ) {
                batch.forEach(e -> forwarded.add(e.recordId()));
                outbox.acknowledge(batch.get(batch.size() - 1).seq());
                if (forwarded.size() == 4) {
                    // Committed while the forwarder catches up from the table.
                    Change late = change();
                    all.add(late);
                    store.commit(List.of(late));
                }
            }
            assertThat(forwarded).containsExactlyElementsOf(all.stream().map(Change::recordId).toList());
            assertThat(outbox.depth().count()).isZero();
            Change live = change();
            store.commit(List.of(live));
            assertThat(outbox.next(10)).extracting(Outbox.Entry::recordId).containsExactly(live.recordId());
        }
    }

    @Test
    void aCommitThatFailsAfterTheOutboxRowsLeavesNothingBehindAndTheSequenceGoesOn(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            boolean[] fail = {false};
            store.commitHook(failingWhenAsked(outbox, fail));
            Change first = change();
            store.commit(List.of(first));
            fail[0] = true;
            assertThatThrownBy(() -> store.commit(List.of(change(), change()))).isInstanceOf(WarehouseException.class);
            fail[0] = false;
            assertThat(outbox.depth().count()).isEqualTo(1);
            Change next = change();
            store.commit(List.of(next));
            assertThat(outbox.depth().count()).isEqualTo(2);
            List<Outbox.Entry> waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId).containsExactly(first.recordId(), next.recordId());
            assertThat(waiting.get(1).seq()).isGreaterThan(waiting.get(0).seq());
            assertThat(rows(warehouse)).isEqualTo(2);
        }
    }

    @Test
    void aForwarderWaitingForChangesIsWokenByTheirCommitAndNotByOneThatFailed(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            boolean[] fail = {false};
            store.commitHook(failingWhenAsked(outbox, fail));
            ExecutorService forwarder = Executors.newSingleThreadExecutor();
            try {
                long seen = outbox.commits();
                // Waits far longer than the test takes: only the commit can end the wait with true.
                Future<Boolean> woken = forwarder.submit(() -> outbox.awaitCommitAfter(seen, 600_000));
                Change change = change();
                store.commit(List.of(change));
                assertThat(woken.get()).isTrue();
                assertThat(outbox.next(10)).extracting(Outbox.Entry::recordId).containsExactly(change.recordId());

                // A transaction that rolled back brought nothing to send: no wake.
                long after = outbox.commits();
                fail[0] = true;
                assertThatThrownBy(() -> store.commit(List.of(change()))).isInstanceOf(WarehouseException.class);
                assertThat(outbox.commits()).isEqualTo(after);
                assertThat(outbox.awaitCommitAfter(after, 1)).isFalse();
                // A commit made before the wait began is not missed.
                fail[0] = false;
                store.commit(List.of(change()));
                assertThat(outbox.awaitCommitAfter(after, 600_000)).isTrue();
            } finally {
                forwarder.shutdownNow();
            }
        }
    }

    /**
     * The writer commits a group while the next is appended: two transactions hold outbox rows at
     * once. Their changes count against the capacity before they commit, are numbered in the
     * order they will commit, and one that rolls back leaves a gap that nothing waits for.
     */
    @Test
    void twoOpenTransactionsAreNumberedInCommitOrderAndOneRolledBackLeavesAGap(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse);
             DuckDBConnection c1 = warehouse.connect(); DuckDBConnection c2 = warehouse.connect()) {
            Outbox outbox = new Outbox(warehouse, 4);
            store.commitHook(outbox);
            List<Change> first = List.of(change(), change());
            List<Change> second = List.of(change());
            OpenTransaction t1 = OpenTransaction.begin(outbox, c1, first);
            OpenTransaction t2 = OpenTransaction.begin(outbox, c2, second);
            // Three changes open: two more would overfill an outbox of four, before either commits.
            assertThatThrownBy(() -> store.commit(List.of(change(), change()))).isInstanceOf(OutboxFullException.class);
            assertThat(outbox.depth().count()).as("nothing committed yet").isZero();

            t1.rollBack();
            assertThat(outbox.depth().count()).as("counted as if committed while a transaction is open: never too low").isEqualTo(2);
            t2.commit();
            assertThat(outbox.depth().count()).as("counted again from the table once none is open").isEqualTo(1);
            List<Outbox.Entry> waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId).containsExactly(second.get(0).recordId());
            assertThat(waiting.get(0).seq()).as("numbered after the rolled-back changes").isEqualTo(3);

            Change third = change();
            store.commit(List.of(third));
            assertThat(outbox.depth().count()).isEqualTo(2);
            waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId).containsExactly(second.get(0).recordId(), third.recordId());
            outbox.acknowledge(waiting.get(1).seq());
            assertThat(outbox.depth().count()).isZero();
            assertThat(outbox.next(10)).isEmpty();
        }
    }

    /**
     * A COMMIT that failed may still have been durable (the outcome is unknown): the outbox then
     * takes what waits from the table, so such changes are forwarded, in order, and counted.
     */
    @Test
    void aTransactionReportedFailedThatDidCommitIsForwardedInOrderAndCounted(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse);
             DuckDBConnection c1 = warehouse.connect(); DuckDBConnection c2 = warehouse.connect()) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            List<Change> first = List.of(change(), change());
            List<Change> second = List.of(change());
            OpenTransaction t1 = OpenTransaction.begin(outbox, c1, first);
            OpenTransaction t2 = OpenTransaction.begin(outbox, c2, second);
            t1.commitAndReportFailed();
            t2.commit();
            assertThat(outbox.next(10)).extracting(Outbox.Entry::recordId)
                    .containsExactly(first.get(0).recordId(), first.get(1).recordId(), second.get(0).recordId());

            Change third = change();
            store.commit(List.of(third));
            assertThat(outbox.depth().count()).as("counted again from the table at the next transaction").isEqualTo(4);
            List<Outbox.Entry> waiting = outbox.next(10);
            assertThat(waiting).extracting(Outbox.Entry::recordId)
                    .containsExactly(first.get(0).recordId(), first.get(1).recordId(), second.get(0).recordId(), third.recordId());
            assertThat(waiting).extracting(Outbox.Entry::seq).isSorted().doesNotHaveDuplicates();
        }
    }

    /**
     * A transaction reported failed while the forwarder catches up from the table, after the
     * read's snapshot but durable: the forwarder stays on the table until it has read those
     * changes, so they are forwarded before the commits after them, not skipped.
     */
    @Test
    void aTransactionFailingDuringAReadOfTheTableIsReadAgainNotSkipped(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse);
             DuckDBConnection c1 = warehouse.connect(); DuckDBConnection c2 = warehouse.connect()) {
            Outbox outbox = new Outbox(warehouse, 100, 4);
            store.commitHook(outbox);
            List<Change> before = List.of(change(), change());
            store.commit(before);
            OpenTransaction rolledBack = OpenTransaction.begin(outbox, c1, List.of(change()));
            rolledBack.rollBack(); // the forwarder reads the table until it has caught up
            List<Change> failedButDurable = List.of(change(), change());
            AtomicBoolean once = new AtomicBoolean();
            outbox.afterTableReadForTests(() -> {
                if (once.compareAndSet(false, true)) {
                    try {
                        OpenTransaction.begin(outbox, c2, failedButDurable).commitAndReportFailed();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            List<Outbox.Entry> first = outbox.next(10);
            assertThat(once).isTrue();
            outbox.acknowledge(first.get(first.size() - 1).seq());
            List<UUID> forwarded = new ArrayList<>(first.stream().map(Outbox.Entry::recordId).toList());
            Change after = change();
            store.commit(List.of(after));
            for (List<Outbox.Entry> batch; !(batch = outbox.next(10)).isEmpty(); ) {
                batch.forEach(e -> forwarded.add(e.recordId()));
                outbox.acknowledge(batch.get(batch.size() - 1).seq());
            }
            assertThat(forwarded).containsExactlyElementsOf(
                    Stream.of(before, failedButDurable, List.of(after)).flatMap(List::stream).map(Change::recordId).toList());
        }
    }

    private static long rows(Warehouse warehouse) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM outbox")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(Warehouse warehouse, String sql) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
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

    /**
     * The outbox's hook, failing its transaction after the outbox rows while {@code fail[0]} is
     * set (a hook that throws reports its own failure: the store has no outcome to report to).
     */
    private static RecordStore.CommitHook failingWhenAsked(Outbox outbox, boolean[] fail) {
        return (connection, changes) -> {
            RecordStore.CommitHook.Outcome outcome = outbox.inTransaction(connection, changes);
            if (fail[0]) {
                outcome.failed();
                throw new SQLException("disk full");
            }
            return outcome;
        };
    }
}

package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interleavings an attacker's review of the outbox tried (2026-12-03): two readers of the table
 * at once, a failure while the pipelined writer always has a transaction open, and a pipelined
 * writer with rollbacks and failed-but-durable commits at random beside one forwarder.
 */
class OutboxInterleavingTest {

    /**
     * Reader A's read misses X, which commits during it; reader B begins a read of its own before
     * A has finished. A must not turn the queue live on what B kept (B began after X): X is
     * forwarded, once, and nothing is left counted.
     */
    @Test
    @Timeout(60)
    void twoReadersAtOnceForwardACommitThatLandedDuringTheFirstRead(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            List<UUID> committed = new ArrayList<>();
            UUID w = UUID.randomUUID();
            committed.add(w);
            store.commitHook(new Outbox(warehouse, 1000, 4));
            store.commit(List.of(create(w)));
            Outbox outbox = new Outbox(warehouse, 1000, 4); // as after a start: W waits in the table
            store.commitHook(outbox);
            UUID x = UUID.randomUUID();
            CountDownLatch readerBRead = new CountDownLatch(1);
            CountDownLatch readerADone = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            List<CompletableFuture<List<Outbox.Entry>>> readerB = new ArrayList<>();
            outbox.afterTableReadForTests(() -> {
                try {
                    if (first.compareAndSet(true, false)) { // reader A, after a read that did not see X
                        committed.add(x);
                        store.commit(List.of(create(x)));
                        readerB.add(CompletableFuture.supplyAsync(() -> outbox.next(10)));
                        readerBRead.await(10, TimeUnit.SECONDS);
                    } else { // reader B, after its read
                        readerBRead.countDown();
                        readerADone.await(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Outbox.Entry> a = outbox.next(10);
            readerADone.countDown();
            readerB.get(0).get(10, TimeUnit.SECONDS);
            outbox.afterTableReadForTests(() -> { });
            List<UUID> forwarded = new ArrayList<>(a.stream().map(Outbox.Entry::recordId).toList());
            outbox.acknowledge(a.get(a.size() - 1).seq());
            UUID y = UUID.randomUUID();
            committed.add(y);
            store.commit(List.of(create(y)));
            drain(outbox, forwarded, 10);
            assertThat(forwarded).containsExactlyElementsOf(committed);
            assertThat(outbox.depth().count()).isZero();
        }
    }

    /**
     * A transaction fails while the pipelined writer has the next one open, and so on at every
     * report after it: its changes are counted again from the table at the next commit, not for
     * as long as the writer never pauses.
     */
    @Test
    void aFailureIsCountedAgainAtTheNextCommitThoughATransactionIsAlwaysOpen(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb"));
             DuckDBConnection c1 = warehouse.connect(); DuckDBConnection c2 = warehouse.connect()) {
            Outbox outbox = new Outbox(warehouse, 1000);
            DuckDBConnection[] lanes = {c1, c2};
            OpenTransaction failing = OpenTransaction.begin(outbox, c1, changes(50));
            OpenTransaction previous = OpenTransaction.begin(outbox, c2, changes(1));
            failing.rollBack();
            assertThat(outbox.depth().count()).as("counted as if committed while one is open: never too low").isEqualTo(50);
            for (int i = 0; i < 20; i++) {
                OpenTransaction next = OpenTransaction.begin(outbox, lanes[i % 2], changes(1));
                previous.commit();
                if (i == 0) {
                    assertThat(outbox.depth().count()).as("counted again at the next commit").isEqualTo(1);
                }
                List<Outbox.Entry> batch = outbox.next(100);
                if (!batch.isEmpty()) {
                    outbox.acknowledge(batch.get(batch.size() - 1).seq());
                }
                previous = next;
            }
            assertThat(outbox.depth().count()).as("only the open transaction's change is uncommitted: nothing waits").isZero();
            previous.commit();
            assertThat(outbox.next(100)).hasSize(1);
        }
    }

    /**
     * One forwarder beside a pipelined writer (two transactions open) whose transactions now and
     * then roll back, or commit and are reported failed, reports landing during reads of the
     * table: every durable change is forwarded once, in order, and the count ends at zero.
     */
    @Test
    @Timeout(120)
    void aPipelinedWriterWithFailuresAtRandomForwardsEveryDurableChangeOnceInOrder(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 8; round++) {
            try (Warehouse warehouse = Warehouse.open(dir.resolve("office-" + round + ".duckdb"));
                 DuckDBConnection c1 = warehouse.connect(); DuckDBConnection c2 = warehouse.connect()) {
                Outbox outbox = new Outbox(warehouse, 1_000_000, 6);
                Random forwarderRandom = new Random(round);
                outbox.afterTableReadForTests(() -> {
                    if (forwarderRandom.nextInt(3) == 0) {
                        Thread.yield();
                    }
                });
                List<UUID> durable = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean writing = new AtomicBoolean(true);
                long seed = 1000L + round;
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        write(outbox, new DuckDBConnection[] {c1, c2}, new Random(seed), durable);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        writing.set(false);
                    }
                });
                List<Outbox.Entry> forwarded = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline) {
                    boolean wasWriting = writing.get();
                    List<Outbox.Entry> batch = outbox.next(1 + forwarderRandom.nextInt(8));
                    if (!batch.isEmpty()) {
                        forwarded.addAll(batch);
                        outbox.acknowledge(batch.get(batch.size() - 1).seq());
                    } else if (!wasWriting) {
                        break;
                    }
                }
                writer.get(10, TimeUnit.SECONDS);
                // One more commit: a recount still pending runs, and the last read.
                List<Change> last = changes(1);
                OpenTransaction.begin(outbox, c1, last).commit();
                durable.add(last.get(0).recordId());
                drainEntries(outbox, forwarded);
                assertThat(forwarded).extracting(Outbox.Entry::seq).as("round " + round).isSorted().doesNotHaveDuplicates();
                assertThat(forwarded).extracting(Outbox.Entry::recordId).as("round " + round).containsExactlyElementsOf(durable);
                assertThat(outbox.depth().count()).as("round " + round).isZero();
            }
        }
    }

    /** 400 transactions of 1–4 changes on two lanes, each appended while the one before commits; one in twenty rolls back, one in twenty commits and is reported failed. */
    private static void write(Outbox outbox, DuckDBConnection[] lanes, Random random, List<UUID> durable) throws SQLException {
        List<Change> previousChanges = changes(1 + random.nextInt(4));
        OpenTransaction previous = OpenTransaction.begin(outbox, lanes[0], previousChanges);
        for (int i = 1; i < 400; i++) {
            List<Change> nextChanges = changes(1 + random.nextInt(4));
            OpenTransaction next = OpenTransaction.begin(outbox, lanes[i % 2], nextChanges);
            int fate = random.nextInt(20);
            if (fate == 0) {
                previous.rollBack();
            } else {
                previous.transaction().commit();
                previousChanges.forEach(c -> durable.add(c.recordId()));
                if (random.nextBoolean()) {
                    Thread.yield(); // a read may see the commit before its report
                }
                if (fate == 1) {
                    previous.outcome().failed();
                } else {
                    previous.outcome().committed();
                }
            }
            previous = next;
            previousChanges = nextChanges;
        }
        previous.commit();
        previousChanges.forEach(c -> durable.add(c.recordId()));
    }

    private static void drain(Outbox outbox, List<UUID> forwarded, int limit) {
        for (List<Outbox.Entry> batch; !(batch = outbox.next(limit)).isEmpty(); ) {
            batch.forEach(e -> forwarded.add(e.recordId()));
            outbox.acknowledge(batch.get(batch.size() - 1).seq());
        }
    }

    private static void drainEntries(Outbox outbox, List<Outbox.Entry> forwarded) {
        for (List<Outbox.Entry> batch; !(batch = outbox.next(8)).isEmpty(); ) {
            forwarded.addAll(batch);
            outbox.acknowledge(batch.get(batch.size() - 1).seq());
        }
    }

    private static List<Change> changes(int count) {
        List<Change> changes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            changes.add(create(UUID.randomUUID()));
        }
        return changes;
    }

    private static Change create(UUID id) {
        return new Change(id, 1, Change.Action.CREATE, "hash-" + id, "{\"id\":\"" + id + "\"}", null, "x", "http",
                Instant.now().truncatedTo(ChronoUnit.MICROS));
    }
}

package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox reads its table outside its lock (the read joins record_version, and every commit
 * takes the lock): commits that land while a read runs must still be forwarded, once each and in
 * order, whether the read saw them or not.
 */
class OutboxConcurrentReadTest {

    @Test
    void commitsDuringReadsOfTheTableAreForwardedOnceEachInOrder(@TempDir Path dir) throws Exception {
        int commits = 300;
        int perCommit = 7;
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            // A queue of 20 changes: the writer outruns it at once, so the forwarder keeps reading the table.
            Outbox outbox = new Outbox(warehouse, 1_000_000, 20);
            store.commitHook(outbox);
            List<UUID> committed = new ArrayList<>();
            for (int i = 0; i < commits * perCommit; i++) {
                committed.add(UUID.randomUUID());
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < commits; i++) {
                    store.commit(committed.subList(i * perCommit, (i + 1) * perCommit).stream().map(OutboxConcurrentReadTest::create).toList());
                }
            });
            List<Outbox.Entry> forwarded = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (forwarded.size() < committed.size() && System.nanoTime() < deadline) {
                List<Outbox.Entry> batch = outbox.next(9);
                if (!batch.isEmpty()) {
                    forwarded.addAll(batch);
                    outbox.acknowledge(batch.get(batch.size() - 1).seq());
                }
            }
            writer.get(60, TimeUnit.SECONDS);
            assertThat(outbox.next(9)).isEmpty();
            assertThat(forwarded).extracting(Outbox.Entry::recordId).containsExactlyElementsOf(committed);
            assertThat(forwarded).extracting(Outbox.Entry::seq).isSorted().doesNotHaveDuplicates();
            assertThat(outbox.depth().count()).isZero();
        }
    }

    /** A commit that reports itself while a read of the table runs, and that read did not see: it is forwarded after it. */
    @Test
    void aCommitLandingDuringAReadThatMissedItIsForwarded(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 1000, 4);
            store.commitHook(outbox);
            List<UUID> first = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
            List<UUID> during = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
            store.commit(first.stream().map(OutboxConcurrentReadTest::create).toList()); // more than the queue holds: read from the table
            AtomicBoolean once = new AtomicBoolean();
            outbox.afterTableReadForTests(() -> {
                if (once.compareAndSet(false, true)) {
                    store.commit(during.stream().map(OutboxConcurrentReadTest::create).toList());
                }
            });
            List<UUID> forwarded = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                List<Outbox.Entry> batch = outbox.next(10);
                if (!batch.isEmpty()) {
                    batch.forEach(e -> forwarded.add(e.recordId()));
                    outbox.acknowledge(batch.get(batch.size() - 1).seq());
                }
            }
            assertThat(once).isTrue();
            assertThat(forwarded).containsExactlyElementsOf(Stream.concat(first.stream(), during.stream()).toList());
        }
    }

    /**
     * A forwarder that fell behind (more committed than the queue holds) reads the table to
     * catch up, and then memory again, though a commit lands during that read and between every
     * two calls: what committed during the read follows it in the queue. (Before, a read during
     * which anything committed left the forwarder on the table for as long as the writer never
     * paused, each read joining the whole of record_version.)
     */
    @Test
    void aForwarderThatFellBehindReadsMemoryAgainThoughCommitsLandDuringItsRead(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 1000, 4);
            store.commitHook(outbox);
            List<UUID> committed = new ArrayList<>();
            Runnable commitOne = () -> {
                UUID id = UUID.randomUUID();
                committed.add(id);
                store.commit(List.of(create(id)));
            };
            for (int i = 0; i < 5; i++) {
                commitOne.run(); // more than the queue holds: the forwarder reads the table
            }
            AtomicInteger reads = new AtomicInteger();
            outbox.afterTableReadForTests(() -> {
                if (reads.incrementAndGet() <= 20) {
                    commitOne.run();
                }
            });
            List<UUID> forwarded = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                List<Outbox.Entry> batch = outbox.next(3);
                batch.forEach(e -> forwarded.add(e.recordId()));
                outbox.acknowledge(batch.get(batch.size() - 1).seq());
                commitOne.run();
            }
            for (List<Outbox.Entry> batch; !(batch = outbox.next(3)).isEmpty() && forwarded.size() < 1000; ) {
                batch.forEach(e -> forwarded.add(e.recordId()));
                outbox.acknowledge(batch.get(batch.size() - 1).seq());
            }
            assertThat(forwarded).containsExactlyElementsOf(committed);
            assertThat(reads).as("one read of the table, then memory").hasValue(1);
            assertThat(outbox.depth().count()).isZero();
        }
    }

    private static Change create(UUID id) {
        return new Change(id, 1, Change.Action.CREATE, "hash-" + id, "{\"id\":\"" + id + "\"}", null, "x", "http",
                Instant.now().truncatedTo(ChronoUnit.MICROS));
    }
}

package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.programme.api.PublishResult;
import org.tonle.warehouse.CommitListener;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.FactRow;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseException;

/**
 * The writer commits a group of new records while the next group is decided and appended on the
 * store's other connection. Whatever the interleaving, every record is stored once, each
 * submission's answer counts what was stored for it, a record sent twice is stored once and
 * answered once as a duplicate, and the facts match the stored versions.
 */
class GroupCommitPipelineTest {

    private static final Pseudonymise PSEUDONYMISE = new Pseudonymise(SubjectKeys.of(new byte[32]));
    private static Validate validate;

    @BeforeAll
    static void programmes() throws Exception {
        validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
    }

    @TempDir
    Path dir;

    @Test
    void concurrentSubmissionsStoreEveryRecordOnceWhateverTheInterleaving() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), Runnable::run);
            Random random = new Random(22);
            // 1,600 records, each sent twice, from 8 threads.
            List<UUID> ids = freshIds(1_600);
            List<List<UUID>> batches = eachSentTwice(ids, random);
            Map<UUID, List<Item.Outcome>> outcomes = new ConcurrentHashMap<>();
            ExecutorService threads = Executors.newFixedThreadPool(8);
            long accepted = 0;
            try {
                List<Future<PublishResult>> answers = new ArrayList<>();
                for (List<UUID> batch : batches) {
                    answers.add(threads.submit(() -> {
                        Submission submission = submission(batch);
                        writer.process(submission);
                        for (Item item : submission.items()) {
                            outcomes.computeIfAbsent(item.id(), k -> Collections.synchronizedList(new ArrayList<>())).add(item.outcome());
                        }
                        return submission.result();
                    }));
                }
                for (Future<PublishResult> answer : answers) {
                    PublishResult result = answer.get();
                    assertThat(result.rejected()).isEmpty();
                    assertThat(result.accepted() + result.duplicates()).isEqualTo(20);
                    accepted += result.accepted();
                }
            } finally {
                threads.shutdown();
            }
            assertThat(accepted).as("records answered as stored").isEqualTo(ids.size());
            assertThat(outcomes).hasSize(ids.size());
            assertThat(outcomes.values()).allSatisfy(o -> assertThat(o).containsExactlyInAnyOrder(Item.Outcome.ACCEPTED, Item.Outcome.DUPLICATE));
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                assertThat(count(s, "SELECT count(*) FROM record_version")).isEqualTo(ids.size());
                assertThat(count(s, "SELECT count(DISTINCT record_id) FROM record_version WHERE version = 1")).isEqualTo(ids.size());
                assertThat(count(s, "SELECT count(*) FROM fact_activity")).isEqualTo(ids.size());
                assertThat(count(s, "SELECT count(*) FROM record_version v ANTI JOIN fact_activity f USING (record_id)")).isZero();
                assertThat(count(s, "SELECT count(*) FROM audit_log")).as("no audited writes here").isZero();
            }
            GroupCommitWriter.Stats stats = writer.stats();
            assertThat(stats.pipelined()).as("groups of new records, committed while the next was appended").isPositive();
            assertThat(stats.groups()).as("groups with a record sent before, written whole").isGreaterThan(stats.pipelined());
        }
    }

    /**
     * An office's writer pipelines as well: each transaction's outbox rows are numbered as its
     * group is decided, which is the order groups commit in, so the outbox holds every stored
     * record once, in the order of the writer's decisions.
     */
    @Test
    @Timeout(120)
    void anOfficeWriterPipelinesAndItsOutboxHoldsEveryStoredRecordOnceInCommitOrder() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100_000);
            store.commitHook(outbox);
            // Each decision a later instant: the order of recorded_at is the order of decisions.
            AtomicLong ticks = new AtomicLong();
            Clock ticking = new Clock() {
                @Override
                public Instant instant() {
                    return Instant.EPOCH.plusMillis(ticks.incrementAndGet());
                }

                @Override
                public ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    return this;
                }
            };
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, ticking, Runnable::run);
            Random random = new Random(6);
            List<UUID> ids = freshIds(1_200);
            List<List<UUID>> batches = eachSentTwice(ids, random);
            ExecutorService threads = Executors.newFixedThreadPool(8);
            long accepted = 0;
            try {
                List<Future<PublishResult>> answers = new ArrayList<>();
                for (List<UUID> batch : batches) {
                    answers.add(threads.submit(() -> {
                        Submission submission = submission(batch);
                        writer.process(submission);
                        return submission.result();
                    }));
                }
                for (Future<PublishResult> answer : answers) {
                    accepted += answer.get().accepted();
                }
            } finally {
                threads.shutdown();
            }
            assertThat(accepted).isEqualTo(ids.size());
            assertThat(writer.stats().pipelined()).as("an office's groups of new records are pipelined too").isPositive();
            assertThat(outbox.depth().count()).isEqualTo(ids.size());
            List<Outbox.Entry> forwarded = new ArrayList<>();
            for (List<Outbox.Entry> next; !(next = outbox.next(500)).isEmpty(); ) {
                forwarded.addAll(next);
                outbox.acknowledge(next.get(next.size() - 1).seq());
            }
            assertThat(forwarded).extracting(Outbox.Entry::recordId).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
            assertThat(forwarded).extracting(Outbox.Entry::seq).isSorted();
            assertThat(forwarded).extracting(Outbox.Entry::recordedAt).as("forwarded in the order the writer decided").isSorted();
            assertThat(outbox.depth().count()).isZero();
        }
    }

    /**
     * An office's writer whose transactions sometimes fail after their outbox rows, while the
     * forwarder drains the outbox beside it: what was answered as stored is forwarded exactly
     * once and in order, nothing of a failed group is, and the count of waiting changes ends at
     * what the table holds.
     */
    @Test
    @Timeout(120)
    void anOfficeWriterWithFailingTransactionsForwardsExactlyWhatItStored() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100_000);
            AtomicInteger transactions = new AtomicInteger();
            AtomicBoolean failing = new AtomicBoolean(true);
            store.commitHook((connection, changes) -> {
                RecordStore.CommitHook.Outcome outcome = outbox.inTransaction(connection, changes);
                if (failing.get() && transactions.incrementAndGet() % 5 == 2) {
                    outcome.failed(); // a hook that throws reports its own failure
                    throw new SQLException("disk full");
                }
                return outcome;
            });
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), Runnable::run);
            List<List<UUID>> batches = freshBatches(80);
            Set<UUID> stored = ConcurrentHashMap.newKeySet();
            List<Outbox.Entry> forwarded = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean sending = new AtomicBoolean(true);
            ExecutorService threads = Executors.newFixedThreadPool(7);
            try {
                Future<?> forwarder = threads.submit(() -> {
                    while (sending.get() || outbox.depth().count() > 0) {
                        List<Outbox.Entry> next = outbox.next(50);
                        if (next.isEmpty()) {
                            outbox.awaitCommitAfter(outbox.commits(), 5);
                            continue;
                        }
                        forwarded.addAll(next);
                        outbox.acknowledge(next.get(next.size() - 1).seq());
                    }
                    return null;
                });
                List<Future<?>> answers = new ArrayList<>();
                for (List<UUID> batch : batches) {
                    answers.add(threads.submit(() -> {
                        Submission submission = submission(batch);
                        RuntimeException failure = failureOf(writer, submission);
                        if (failure == null) {
                            stored.addAll(batch);
                        } else {
                            assertThat(failure).isInstanceOf(WarehouseException.class);
                            assertThat(submission.items()).noneMatch(item -> item.outcome() == Item.Outcome.ACCEPTED);
                        }
                        return null;
                    }));
                }
                for (Future<?> answer : answers) {
                    answer.get();
                }
                sending.set(false);
                forwarder.get();
            } finally {
                threads.shutdown();
            }
            assertThat(stored).as("some groups failed, some were stored").isNotEmpty().hasSizeLessThan(batches.size() * 20);
            assertThat(writer.stats().pipelined()).isPositive();
            assertThat(forwarded).extracting(Outbox.Entry::recordId).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(stored);
            assertThat(forwarded).extracting(Outbox.Entry::seq).isSorted();
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                assertThat(count(s, "SELECT count(*) FROM record_version")).isEqualTo(stored.size());
            }
            // One more commit with nothing open: the count is taken again from the table, where nothing waits.
            failing.set(false);
            UUID last = UUID.randomUUID();
            writer.process(submission(List.of(last)));
            assertThat(outbox.depth().count()).isEqualTo(1);
            assertThat(outbox.next(10)).extracting(Outbox.Entry::recordId).containsExactly(last);
        }
    }

    /**
     * A group whose transaction cannot be prepared (here: a submission without a principal, which
     * the warehouse refuses) answers every submission in it with the failure and stores nothing of
     * it; the groups around it commit, and a failed submission sent again is stored, not taken for
     * a duplicate of the records that were never stored (their ids stayed among the known ids).
     */
    @Test
    @Timeout(120)
    void aGroupThatCannotBePreparedStoresNothingAndItsRecordsAreStoredWhenSentAgain() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), Runnable::run);
            List<List<UUID>> batches = freshBatches(60);
            Map<List<UUID>, Boolean> stored = new ConcurrentHashMap<>();
            ExecutorService threads = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> answers = new ArrayList<>();
                for (int b = 0; b < batches.size(); b++) {
                    List<UUID> batch = batches.get(b);
                    String principal = b % 10 == 3 ? null : "tester";
                    answers.add(threads.submit(() -> {
                        Submission submission = submission(batch, principal);
                        RuntimeException failure = failureOf(writer, submission);
                        if (failure != null) {
                            assertThat(failure).isInstanceOf(WarehouseException.class).hasMessageContaining("did not commit");
                            assertThat(submission.items()).noneMatch(item -> item.outcome() == Item.Outcome.ACCEPTED);
                        }
                        stored.put(batch, failure == null);
                    }));
                }
                for (Future<?> answer : answers) {
                    answer.get();
                }
            } finally {
                threads.shutdown();
            }
            for (int b = 3; b < batches.size(); b += 10) {
                assertThat(stored.get(batches.get(b))).as("a submission the warehouse refuses is answered with the failure").isFalse();
            }
            assertThat(stored).containsValue(true);
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                long answeredStored = stored.values().stream().filter(Boolean::booleanValue).count() * 20;
                assertThat(count(s, "SELECT count(*) FROM record_version")).as("exactly the records answered as stored").isEqualTo(answeredStored);
                assertThat(count(s, "SELECT count(*) FROM fact_activity")).isEqualTo(answeredStored);
            }
            for (List<UUID> batch : batches) {
                if (!stored.get(batch)) {
                    Submission again = submission(batch, "tester");
                    writer.process(again);
                    assertThat(again.result().accepted()).as("a record never stored is not a duplicate when sent again").isEqualTo(batch.size());
                }
            }
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                assertThat(count(s, "SELECT count(*) FROM record_version")).isEqualTo(batches.size() * 20L);
                assertThat(count(s, "SELECT count(DISTINCT record_id) FROM fact_activity")).isEqualTo(batches.size() * 20L);
            }
            assertThat(writer.stats().pipelined()).isPositive();
        }
    }

    /**
     * A commit reported as failed after the warehouse had made it durable (here the indicator
     * cube's listener throws) answers that group with the failure and lets the next group commit
     * in turn; sent again, its records are duplicates of what is stored, never stored twice.
     */
    @Test
    @Timeout(120)
    void aGroupWhoseCommitIsReportedFailedIsNotStoredTwiceWhenSentAgain() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            AtomicInteger commits = new AtomicInteger();
            ReentrantLock cubeLock = new ReentrantLock();
            store.onCommit(new CommitListener() {
                @Override
                public Lock commitLock() {
                    return cubeLock;
                }

                @Override
                public void committed(List<FactRow> removed, List<FactRow> added) {
                    if (commits.incrementAndGet() % 7 == 3) {
                        throw new IllegalStateException("the cube could not take this commit");
                    }
                }
            });
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), Runnable::run);
            List<List<UUID>> batches = freshBatches(60);
            List<List<UUID>> failed = Collections.synchronizedList(new ArrayList<>());
            ExecutorService threads = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> answers = new ArrayList<>();
                for (List<UUID> batch : batches) {
                    answers.add(threads.submit(() -> {
                        Submission submission = submission(batch);
                        RuntimeException failure = failureOf(writer, submission);
                        if (failure != null) {
                            assertThat(failure).hasMessageContaining("the cube could not take this commit");
                            failed.add(batch);
                        }
                    }));
                }
                for (Future<?> answer : answers) {
                    answer.get();
                }
            } finally {
                threads.shutdown();
            }
            assertThat(failed).as("some groups were answered with the failure").isNotEmpty();
            assertThat(writer.stats().pipelined()).isPositive();
            commits.set(-1_000_000); // no more failures
            for (List<UUID> batch : failed) {
                Submission again = submission(batch, "tester");
                writer.process(again);
                assertThat(again.result().duplicates()).as("the records were stored before the failure was reported").isEqualTo(batch.size());
            }
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                assertThat(count(s, "SELECT count(*) FROM record_version")).isEqualTo(batches.size() * 20L);
                assertThat(count(s, "SELECT count(*) FROM fact_activity")).isEqualTo(batches.size() * 20L);
            }
        }
    }

    /** Sends the submission; null when it was answered with every record stored, else the failure it was answered with. */
    private static RuntimeException failureOf(GroupCommitWriter writer, Submission submission) {
        try {
            writer.process(submission);
        } catch (RuntimeException e) {
            return e;
        }
        assertThat(submission.result().accepted()).isEqualTo(submission.items().size());
        return null;
    }

    private static List<UUID> freshIds(int count) {
        List<UUID> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(UUID.randomUUID());
        }
        return ids;
    }

    /** Submissions of 20 new records each. */
    private static List<List<UUID>> freshBatches(int count) {
        List<List<UUID>> batches = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            batches.add(freshIds(20));
        }
        return batches;
    }

    /**
     * Every id in two submissions of 20, in random order: some groups then hold new records only
     * and are pipelined, others hold a record already sent and are written whole.
     */
    private static List<List<UUID>> eachSentTwice(List<UUID> ids, Random random) {
        List<List<UUID>> batches = new ArrayList<>();
        for (int copy = 0; copy < 2; copy++) {
            List<UUID> shuffled = new ArrayList<>(ids);
            Collections.shuffle(shuffled, random);
            for (int from = 0; from < shuffled.size(); from += 20) {
                batches.add(shuffled.subList(from, from + 20));
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }

    private static Submission submission(List<UUID> ids) {
        return submission(ids, "tester");
    }

    private static Submission submission(List<UUID> ids, String principal) {
        StringBuilder lines = new StringBuilder();
        for (UUID id : ids) {
            lines.append("{\"id\":\"").append(id).append("\",\"program\":\"cases\",\"type\":\"meeting\",\"office\":\"PNH\",\"date\":\"2015-01-01\"}\n");
        }
        Submission submission = Submission.create(principal, "test", null,
                NdjsonSource.items(lines.toString().getBytes(StandardCharsets.UTF_8), NdjsonSource.Wording.BODY));
        PSEUDONYMISE.process(submission);
        validate.process(submission);
        return submission;
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

package org.tonle.pipelines;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.LoggerFactory;
import org.tonle.core.Json;
import org.tonle.programme.api.Violation;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.DeadLetter;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.RecordStore;

/**
 * The pipeline's single writer: commits what {@link Deduplicate} decided, in batches, one DuckDB
 * transaction each, and keeps what was rejected in the dead-letter store. Submissions that
 * arrive while a commit runs are committed together with the next one (group commit): many small
 * concurrent HTTP batches then cost one commit instead of one each. An item is marked accepted
 * only after its transaction committed, and every write's audit entry is in the transaction
 * that stores it.
 */
public final class GroupCommitWriter {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The problems of one rejected record kept in the dead-letter store (its sender's answer names them all). */
    static final int MAX_KEPT_PER_RECORD = 50;

    private final RecordStore store;
    private final DeadLetterStore deadLetters;
    private final Deduplicate deduplicate;
    private final int batchSize;
    private final Clock clock;
    private final ConcurrentLinkedQueue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    private final LongAdder busyNanos = new LongAdder();
    private final LongAdder busyCpuNanos = new LongAdder();
    private final LongAdder groups = new LongAdder();
    private final LongAdder submissions = new LongAdder();
    private final LongAdder pipelined = new LongAdder();
    private volatile PeriodLock periodLock;

    // The number of the last group decided (guarded by this object's lock) and of the last
    // whose commit finished, committed or not (guarded by `turns`).
    private long decided;
    private long finished;
    private final Object turns = new Object();

    public GroupCommitWriter(RecordStore store, DeadLetterStore deadLetters, int batchSize, Clock clock) {
        this(store, deadLetters, batchSize, clock, null);
    }

    /**
     * With the executor that loads the ids of the stored records for de-duplication (a thread of
     * its own when null). Until it has, every id is looked up in the warehouse: slower, never wrong.
     */
    public GroupCommitWriter(RecordStore store, DeadLetterStore deadLetters, int batchSize, Clock clock, Executor knownIdsLoader) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.batchSize = batchSize;
        this.clock = clock;
        int repaired = store.reconcileUnlessClosedCleanly();
        if (repaired > 0) {
            LoggerFactory.getLogger(GroupCommitWriter.class).warn("After an unclean stop, {} records had facts out of step with"
                    + " their stored versions; their facts were rebuilt from the stored records", repaired);
        }
        this.deduplicate = knownIdsLoader == null ? new Deduplicate(store) : new Deduplicate(store, knownIdsLoader);
    }

    /** Checks every later record against the approved period cells; null checks nothing. */
    public void periodLock(PeriodLock lock) {
        this.periodLock = lock;
    }

    /**
     * Writes a submission's pending items and returns once they are committed (or rejected).
     *
     * <p>Groups are decided and their rows appended one at a time, under this object's lock. A
     * group of new records only (the usual HTTP batch and import batch) then releases the lock
     * before its COMMIT, so that the next group is decided and appended on the store's other
     * connection while this one's WAL is written and synced; commits still complete in the order
     * the groups were decided ({@link #finish}). Any other group waits until every earlier one
     * has committed and is written whole under the lock, as before, since it reads what they stored.
     */
    public void process(Submission submission) {
        Waiting mine = new Waiting(submission);
        waiting.add(mine);
        InFlight flight = null;
        synchronized (this) {
            if (!mine.claimed) {
                List<Waiting> group = new ArrayList<>();
                for (Waiting w; (w = waiting.poll()) != null; ) {
                    w.claimed = true;
                    group.add(w);
                }
                long started = System.nanoTime();
                long cpu = THREADS.getCurrentThreadCpuTime();
                flight = prepare(group);
                if (flight == null) {
                    awaitFinished(decided);
                    writeGroup(group);
                    finished(decided);
                }
                busyNanos.add(System.nanoTime() - started);
                busyCpuNanos.add(THREADS.getCurrentThreadCpuTime() - cpu);
                groups.increment();
                submissions.add(group.size());
            }
        }
        if (flight != null) {
            long started = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            finish(flight);
            busyNanos.add(System.nanoTime() - started);
            busyCpuNanos.add(THREADS.getCurrentThreadCpuTime() - cpu);
        }
        mine.awaitDone();
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /** A group whose transaction is prepared and waits to commit after the group decided before it. */
    private record InFlight(List<Waiting> group, long number, Deduplicate.Decision decision, RecordStore.Prepared prepared) {
        /** A group whose transaction could not be prepared, already answered with the failure. */
        static final InFlight ANSWERED = new InFlight(List.of(), 0, null, null);
    }

    /**
     * Decides a group of new records and appends them in a prepared transaction, the next group
     * number; null (nothing done) for any other group. Called under the lock.
     */
    private InFlight prepare(List<Waiting> group) {
        if (group.stream().anyMatch(w -> w.submission.mode() != Submission.Mode.CREATE)) {
            return null;
        }
        // Records in an approved month are refused first, as on the whole path (which checks again: a refused item stays refused).
        PeriodLock lock = periodLock;
        if (lock != null) {
            for (Waiting w : group) {
                try {
                    lock.check(w.submission);
                } catch (RuntimeException e) {
                    return null; // the whole path below meets it again and answers as it always did
                }
            }
        }
        List<Deduplicate.Pending> pending = new ArrayList<>();
        for (Waiting w : group) {
            w.submission.items().stream().filter(Item::pending).forEach(item -> pending.add(new Deduplicate.Pending(w.submission, item)));
        }
        if (pending.isEmpty() || pending.size() > batchSize) {
            return null;
        }
        Deduplicate.Decision decision = deduplicate.decideNew(pending, clock.instant());
        if (decision == null) {
            return null;
        }
        long number = decided + 1;
        // At most two transactions open: the one before this may still be committing, not the one before that.
        awaitFinished(number - 2);
        RecordStore.Prepared prepared;
        try {
            prepared = store.prepare(decision.changes(), audits(group, decision.accepted(), Map.of()));
        } catch (RuntimeException e) {
            // Nothing of it is stored; its ids stay among the known ids, looked up in vain later.
            awaitFinished(decided);
            done(group, e);
            return InFlight.ANSWERED;
        }
        decided = number;
        pipelined.increment();
        return new InFlight(group, number, decision, prepared);
    }

    /** Commits a prepared group after the group decided before it has finished, then answers its submissions. */
    private void finish(InFlight flight) {
        if (flight == InFlight.ANSWERED) {
            return;
        }
        awaitFinished(flight.number() - 1);
        RuntimeException failure = null;
        try {
            store.finish(flight.prepared());
            flight.decision().accepted().forEach(Item::accept);
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            failure = new IllegalStateException("the commit failed: " + e, e);
            throw e;
        } finally {
            // Every submission of the group is answered and the next group may commit, whatever happened.
            try {
                done(flight.group(), failure);
            } finally {
                finished(flight.number());
            }
        }
    }

    /** Keeps each submission's rejections and answers it. */
    private void done(List<Waiting> group, RuntimeException failure) {
        for (Waiting w : group) {
            try {
                keepRejected(w.submission);
            } catch (RuntimeException e) {
                // The accepted records are committed; losing the rejections must still be seen.
                w.failure = e;
            }
            if (failure != null) {
                w.failure = failure;
            }
            w.finish();
        }
    }

    /** Waits, uninterrupted, until the group numbered {@code number} and all before it have finished: the order of commits is not the caller's to give up. */
    private void awaitFinished(long number) {
        boolean interrupted = false;
        synchronized (turns) {
            while (finished < number) {
                try {
                    turns.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void finished(long number) {
        synchronized (turns) {
            finished = Math.max(finished, number);
            turns.notifyAll();
        }
    }

    /**
     * What the single writer has done since start: the time it spent writing (when that nears
     * the elapsed time, ingest is limited by the writer; a group committing while the next is
     * appended counts both, so it can pass the elapsed time), the CPU time its threads used
     * meanwhile (its own work, steadier than the wall time on a shared machine), how many
     * submissions its transactions grouped, and how many groups committed while the next one was
     * appended.
     */
    public record Stats(long busyNanos, long busyCpuNanos, long groups, long submissions, long pipelined) {
    }

    public Stats stats() {
        return new Stats(busyNanos.sum(), busyCpuNanos.sum(), groups.sum(), submissions.sum(), pipelined.sum());
    }

    /**
     * Runs {@code action} between two groups of the writer, when no submission is half
     * committed (a large one spans several transactions): an online backup takes its snapshot
     * here, then reads it without holding the writer up.
     */
    public synchronized <T> T betweenSubmissions(Supplier<T> action) {
        awaitFinished(decided);
        return action.get();
    }

    /** A submission queued for the writer, and what became of it. */
    private static final class Waiting {
        final Submission submission;
        /** Taken into a group (under the writer's lock). */
        boolean claimed;
        volatile RuntimeException failure;
        private final CountDownLatch done = new CountDownLatch(1);

        Waiting(Submission submission) {
            this.submission = submission;
        }

        void finish() {
            done.countDown();
        }

        void awaitDone() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // its group is being written: the answer must wait for it
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeGroup(List<Waiting> group) {
        List<Deduplicate.Pending> pending = new ArrayList<>();
        PeriodLock lock = periodLock;
        RuntimeException failure = null;
        try {
            for (Waiting w : group) {
                if (lock != null) {
                    lock.check(w.submission);
                }
                w.submission.items().stream().filter(Item::pending).forEach(item -> pending.add(new Deduplicate.Pending(w.submission, item)));
            }
            Map<Submission, String> before = bodiesBefore(group);
            // The audit entries of the group's writes go in its last transaction, when every
            // record of theirs is decided.
            int from = 0;
            do {
                int to = Math.min(pending.size(), from + batchSize);
                commit(pending.subList(from, to), to == pending.size() ? group : List.of(), before);
                from = to;
            } while (from < pending.size());
        } catch (RuntimeException e) {
            failure = e;
        }
        done(group, failure);
    }

    /** The stored body before the change, for the audit trail of each correction and void in the group. */
    private Map<Submission, String> bodiesBefore(List<Waiting> group) {
        Map<Submission, String> before = new HashMap<>();
        for (Waiting w : group) {
            if (w.submission.audited() != null && w.submission.mode() != Submission.Mode.CREATE) {
                before.put(w.submission, store.currentBody(UUID.fromString(w.submission.targetId())));
            }
        }
        return before;
    }

    private void commit(List<Deduplicate.Pending> batch, List<Waiting> audited, Map<Submission, String> before) {
        Deduplicate.Decision decision = deduplicate.decide(batch, clock.instant());
        store.commit(decision.changes(), audits(audited, decision.accepted(), before));
        deduplicate.committed(decision);
        decision.accepted().forEach(Item::accept);
    }

    /** The audit entries the submissions ask for, counting as accepted what this commit accepts. */
    private static List<AuditLog.Write> audits(List<Waiting> group, List<Item> acceptedNow, Map<Submission, String> before) {
        if (group.stream().allMatch(w -> w.submission.audited() == null)) {
            return List.of();
        }
        List<AuditLog.Write> audits = new ArrayList<>();
        Set<Item> committing = Collections.newSetFromMap(new IdentityHashMap<>());
        committing.addAll(acceptedNow);
        for (Waiting w : group) {
            Submission submission = w.submission;
            Submission.Audited audited = submission.audited();
            if (audited == null) {
                continue;
            }
            long accepted = 0;
            long duplicates = 0;
            long rejected = 0;
            for (Item item : submission.items()) {
                if (item.outcome() == Item.Outcome.ACCEPTED || committing.contains(item)) {
                    accepted++;
                } else if (item.outcome() == Item.Outcome.DUPLICATE) {
                    duplicates++;
                } else if (item.outcome() == Item.Outcome.REJECTED) {
                    rejected += item.violations().size();
                }
            }
            String parameters = submission.mode() == Submission.Mode.CREATE
                    ? "{\"records\":" + submission.items().size() + ",\"rejected\":" + rejected + "}"
                    : trail(submission, before.get(submission), accepted, duplicates, rejected);
            audits.add(new AuditLog.Write(submission.principal(), audited.role(), audited.action(), audited.endpoint(),
                    parameters, accepted));
        }
        return audits;
    }

    /**
     * The audit trail of a correction or void: the record's id and its stored body before and
     * after. Bodies are the pseudonymised canonical JSON (the subject as its key), never a ref.
     */
    private static String trail(Submission submission, String before, long accepted, long duplicates, long rejected) {
        ObjectNode trail = JSON.createObjectNode();
        trail.put("id", submission.targetId());
        trail.set("before", body(before));
        if (submission.mode() == Submission.Mode.VOID) {
            trail.putNull("after");
            return trail.toString();
        }
        Item item = submission.items().get(0);
        trail.set("after", body(accepted > 0 ? item.canonical() : before));
        trail.put("accepted", accepted);
        trail.put("duplicates", duplicates);
        trail.put("rejected", rejected);
        return trail.toString();
    }

    private static JsonNode body(String text) {
        try {
            return text == null ? JSON.nullNode() : JSON.readTree(text);
        } catch (IOException e) {
            return JSON.nullNode();
        }
    }

    private void keepRejected(Submission submission) {
        if (submission.mode() == Submission.Mode.VOID) {
            return; // a void of nothing leaves nothing to replay
        }
        List<DeadLetter> letters = new ArrayList<>();
        Instant now = clock.instant();
        for (Item item : submission.items()) {
            if (item.outcome() != Item.Outcome.REJECTED) {
                continue;
            }
            // A line that could not be parsed leaves no text, only its length and keyed hash.
            if (item.node() != null) {
                WithheldValues.withhold(item.node(), item.violations());
            }
            String body = item.node() != null ? item.node().toString() : null;
            String program = item.node() != null && item.node().path("program").isTextual() ? item.node().get("program").asText() : null;
            String office = item.node() != null && item.node().path("office").isTextual() ? item.node().get("office").asText() : null;
            program = WithheldValues.WITHHELD.equals(program) ? null : program;
            office = WithheldValues.WITHHELD.equals(office) ? null : office;
            // One row per problem, the body in the first only (DeadLetterStore.list gives it to each), and at most
            // MAX_KEPT_PER_RECORD rows: a line of many problems must not leave storage growing with its square.
            List<Violation> violations = item.violations();
            int kept = Math.min(violations.size(), MAX_KEPT_PER_RECORD);
            for (int i = 0; i < kept; i++) {
                Violation v = violations.get(i);
                String reason = i == kept - 1 && violations.size() > kept
                        ? v.reason() + " (and " + (violations.size() - kept) + " more problems of this record, not kept: fix these"
                                + " and replay it to see them)"
                        : v.reason();
                letters.add(new DeadLetter(0, now, submission.principal(), submission.source(), item.line(), item.storableId(),
                        program, office, v.field(), v.rule(), reason, i == 0 ? body : null, item.lineLength(), item.lineHash(), "open"));
            }
        }
        deadLetters.add(letters);
    }
}

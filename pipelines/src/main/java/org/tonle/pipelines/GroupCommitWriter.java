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
    private volatile PeriodLock periodLock;

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

    /** Writes a submission's pending items and returns once they are committed (or rejected). */
    public void process(Submission submission) {
        Waiting mine = new Waiting(submission);
        waiting.add(mine);
        synchronized (this) {
            if (!mine.done) {
                List<Waiting> group = new ArrayList<>();
                for (Waiting w; (w = waiting.poll()) != null; ) {
                    group.add(w);
                }
                long started = System.nanoTime();
                long cpu = THREADS.getCurrentThreadCpuTime();
                writeGroup(group);
                busyNanos.add(System.nanoTime() - started);
                busyCpuNanos.add(THREADS.getCurrentThreadCpuTime() - cpu);
                groups.increment();
                submissions.add(group.size());
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /**
     * What the single writer has done since start: the time it spent writing (when that nears
     * the elapsed time, ingest is limited by the writer), the CPU time its thread used meanwhile
     * (its own work, steadier than the wall time on a shared machine), and how many submissions
     * its transactions grouped.
     */
    public record Stats(long busyNanos, long busyCpuNanos, long groups, long submissions) {
    }

    public Stats stats() {
        return new Stats(busyNanos.sum(), busyCpuNanos.sum(), groups.sum(), submissions.sum());
    }

    /**
     * Runs {@code action} between two groups of the writer, when no submission is half
     * committed (a large one spans several transactions): an online backup takes its snapshot
     * here, then reads it without holding the writer up.
     */
    public synchronized <T> T betweenSubmissions(Supplier<T> action) {
        return action.get();
    }

    /** A submission queued for the writer, and what became of it. */
    private static final class Waiting {
        final Submission submission;
        boolean done;
        RuntimeException failure;

        Waiting(Submission submission) {
            this.submission = submission;
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
            w.done = true;
        }
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

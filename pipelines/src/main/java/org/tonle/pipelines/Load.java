package org.tonle.pipelines;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.LoggerFactory;
import org.tonle.programme.api.Violation;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.Change;
import org.tonle.warehouse.DeadLetter;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.RecordHistory;
import org.tonle.warehouse.RecordStore;

/**
 * The last steps: de-duplicate by id against every stored version, commit in batches, and
 * keep what was rejected in the dead-letter store. One writer at a time, so the history read
 * before a commit is still true when the commit lands. An item is marked accepted only after
 * its batch committed.
 */
public final class Load {

    private final RecordStore store;
    private final DeadLetterStore deadLetters;
    private final int batchSize;
    private final Clock clock;
    private final KnownIds known = new KnownIds();
    private final java.util.concurrent.ConcurrentLinkedQueue<Waiting> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final LongAdder busyNanos = new LongAdder();
    private final LongAdder groups = new LongAdder();
    private final LongAdder submissions = new LongAdder();

    public Load(RecordStore store, DeadLetterStore deadLetters, int batchSize, Clock clock) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.batchSize = batchSize;
        this.clock = clock;
        int repaired = store.reconcile();
        if (repaired > 0) {
            LoggerFactory.getLogger(Load.class).warn("After an unclean stop, {} records had facts out of step with their stored"
                    + " versions; their facts were rebuilt from the stored records", repaired);
        }
        store.forEachRecordId(known::add);
    }

    /**
     * Loads a submission's pending items and returns once they are committed (or rejected).
     * Submissions that arrive while another commit runs are committed together with it, in
     * one transaction (group commit): many small concurrent HTTP batches then cost one commit
     * instead of one each, and nobody is acknowledged before their transaction committed.
     */
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
                loadGroup(group);
                busyNanos.add(System.nanoTime() - started);
                groups.increment();
                submissions.add(group.size());
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /**
     * What the single writer has done since start: the time it spent loading (when that nears
     * the elapsed time, ingest is limited by the writer), and how many submissions its
     * transactions grouped.
     */
    public record Stats(long busyNanos, long groups, long submissions) {
    }

    public Stats stats() {
        return new Stats(busyNanos.sum(), groups.sum(), submissions.sum());
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

    private void loadGroup(List<Waiting> group) {
        List<Pending> pending = new ArrayList<>();
        for (Waiting w : group) {
            w.submission.items().stream().filter(Item::pending).forEach(item -> pending.add(new Pending(w.submission, item)));
        }
        RuntimeException failure = null;
        try {
            // The audit entries of the group's writes go in its last transaction, when every
            // record of theirs is decided.
            int from = 0;
            do {
                int to = Math.min(pending.size(), from + batchSize);
                commit(pending.subList(from, to), to == pending.size() ? group : List.of());
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

    /** An item and the submission it came with (its mode, principal and source). */
    private record Pending(Submission submission, Item item) {
    }

    private void commit(List<Pending> batch, List<Waiting> audited) {
        // Only ids the in-memory filter might know need the warehouse's history lookup.
        List<UUID> maybeStored = batch.stream().map(p -> p.item().id()).filter(known::mightContain).distinct().toList();
        Map<UUID, RecordHistory> stored = maybeStored.isEmpty() ? Map.of() : store.histories(maybeStored);
        Map<UUID, List<String>> hashes = new HashMap<>();
        Map<UUID, Integer> versions = new HashMap<>();
        stored.forEach((id, history) -> {
            hashes.put(id, new ArrayList<>(history.hashes()));
            versions.put(id, history.lastVersion());
        });
        Instant now = clock.instant();
        List<Change> changes = new ArrayList<>();
        List<Item> accepted = new ArrayList<>();
        for (Pending p : batch) {
            Item item = p.item();
            Submission submission = p.submission();
            UUID id = item.id();
            List<String> storedHashes = hashes.get(id);
            if (storedHashes != null && storedHashes.contains(item.contentHash())) {
                item.duplicate();
                continue;
            }
            Change.Action action;
            if (submission.mode() == Submission.Mode.CORRECT) {
                if (storedHashes == null) {
                    item.reject(new Violation("id", "not_found", "there is no record " + id + " to correct; send it with POST first"));
                    continue;
                }
                action = Change.Action.CORRECT;
            } else if (storedHashes != null) {
                item.reject(new Violation("id", "conflict", "record " + id + " was already received with different content;"
                        + " to change it, send the correction with PUT /api/v1/activities/" + id));
                continue;
            } else {
                action = Change.Action.CREATE;
            }
            int version = versions.getOrDefault(id, 0) + 1;
            versions.put(id, version);
            hashes.computeIfAbsent(id, k -> new ArrayList<>()).add(item.contentHash());
            changes.add(new Change(id, version, action, item.contentHash(), item.canonical(), item.record(), item.subjectKey(),
                    submission.principal(), submission.source(), now));
            accepted.add(item);
        }
        store.commit(changes, audits(audited, accepted));
        changes.forEach(c -> known.add(c.recordId()));
        accepted.forEach(Item::accept);
    }

    /** The audit entries the submissions ask for, counting as accepted what this commit accepts. */
    private static List<AuditLog.Write> audits(List<Waiting> group, List<Item> acceptedNow) {
        if (group.stream().allMatch(w -> w.submission.audited() == null)) {
            return List.of();
        }
        List<AuditLog.Write> audits = new ArrayList<>();
        java.util.Set<Item> committing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        committing.addAll(acceptedNow);
        for (Waiting w : group) {
            Submission.Audited audited = w.submission.audited();
            if (audited == null) {
                continue;
            }
            long accepted = 0;
            long rejected = 0;
            for (Item item : w.submission.items()) {
                if (item.outcome() == Item.Outcome.ACCEPTED || committing.contains(item)) {
                    accepted++;
                } else if (item.outcome() == Item.Outcome.REJECTED) {
                    rejected += item.violations().size();
                }
            }
            audits.add(new AuditLog.Write(w.submission.principal(), audited.role(), audited.action(), audited.endpoint(),
                    "{\"records\":" + w.submission.items().size() + ",\"rejected\":" + rejected + "}", accepted));
        }
        return audits;
    }

    /** The newest stored body (pseudonymised canonical JSON) of a record; null for none or a void. */
    public synchronized String currentBody(UUID id) {
        return store.currentBody(id);
    }

    /**
     * Voids a live record: its facts leave every figure, its versions stay for the audit.
     *
     * @return false when there is no live record with this id
     */
    public synchronized boolean voidRecord(UUID id, String principal, String source) {
        RecordHistory history = store.histories(List.of(id)).get(id);
        if (history == null || !history.live()) {
            return false;
        }
        String hash = Canonical.sha256("void " + id + " " + (history.lastVersion() + 1));
        store.commit(List.of(new Change(id, history.lastVersion() + 1, Change.Action.VOID, hash, null, null, null,
                principal, source, clock.instant())));
        return true;
    }

    private void keepRejected(Submission submission) {
        List<DeadLetter> letters = new ArrayList<>();
        Instant now = clock.instant();
        for (Item item : submission.items()) {
            if (item.outcome() != Item.Outcome.REJECTED) {
                continue;
            }
            // A line that could not be parsed leaves no text, only its length and keyed hash.
            if (item.node() != null) {
                withholdRejectedValues(item.node(), item.violations());
            }
            String body = item.node() != null ? item.node().toString() : null;
            String program = item.node() != null && item.node().path("program").isTextual() ? item.node().get("program").asText() : null;
            String office = item.node() != null && item.node().path("office").isTextual() ? item.node().get("office").asText() : null;
            program = WITHHELD.equals(program) ? null : program;
            office = WITHHELD.equals(office) ? null : office;
            for (Violation v : item.violations()) {
                letters.add(new DeadLetter(0, now, submission.principal(), submission.source(), item.line(), item.recordId(),
                        program, office, v.field(), v.rule(), v.reason(), body, item.lineLength(), item.lineHash(), "open"));
            }
        }
        deadLetters.add(letters);
    }

    /** Stands in the dead letter for a value that failed its check. */
    static final String WITHHELD = "(withheld)";
    /** Rules about a record's place, not its values: the values are right and kept for the replay. */
    private static final java.util.Set<String> PLACE_RULES = java.util.Set.of("conflict", "office_not_permitted", "period_locked",
            "programme_check", "required");

    /**
     * A value that failed its check is not kept, unless it is shaped like an id of the
     * declaration (a mistyped enum value): a case code or a child's name typed into the wrong
     * field, or a CSV row whose columns shifted, would otherwise be stored in clear. The fix of
     * a replay sets the field anew.
     */
    static void withholdRejectedValues(com.fasterxml.jackson.databind.node.ObjectNode record, List<Violation> violations) {
        for (Violation v : violations) {
            if (v.field() == null || v.field().isEmpty() || PLACE_RULES.contains(v.rule())) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode parent = record;
            String[] steps = v.field().split("\\.");
            for (int i = 0; i < steps.length && parent != null; i++) {
                String step = steps[i];
                int index = -1;
                if (step.endsWith("]") && step.contains("[")) {
                    index = Integer.parseInt(step.substring(step.indexOf('[') + 1, step.length() - 1));
                    step = step.substring(0, step.indexOf('['));
                }
                boolean last = i == steps.length - 1;
                if (last && step.equals(Validate.NOT_SHOWN)) {
                    // A member whose name could be a case code: the name is not kept either.
                    if (parent instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
                        List<String> names = new ArrayList<>();
                        object.fieldNames().forEachRemaining(name -> {
                            if (!Validate.SHOWN.matcher(name).matches()) {
                                names.add(name);
                            }
                        });
                        object.remove(names);
                    }
                } else if (last && index < 0) {
                    if (parent instanceof com.fasterxml.jackson.databind.node.ObjectNode object && object.has(step)
                            && !plainWord(object.get(step))) {
                        object.put(step, WITHHELD);
                    }
                } else {
                    com.fasterxml.jackson.databind.JsonNode next = parent.get(step);
                    if (index >= 0 && next != null && next.isArray()) {
                        if (last) {
                            if (next.size() > index && !plainWord(next.get(index))) {
                                ((com.fasterxml.jackson.databind.node.ArrayNode) next).set(index,
                                        com.fasterxml.jackson.databind.node.TextNode.valueOf(WITHHELD));
                            }
                            next = null;
                        } else {
                            next = next.get(index);
                        }
                    }
                    parent = next;
                }
            }
        }
    }

    private static boolean plainWord(com.fasterxml.jackson.databind.JsonNode value) {
        return value == null || value.isNull() || (value.isTextual() && Validate.SHOWN.matcher(value.asText()).matches());
    }
}

package org.tonle.pipelines.transport;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.programme.api.PublishResult;
import org.tonle.programme.api.Violation;
import org.tonle.warehouse.DeadLetter;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.RecordOffices;
import org.tonle.warehouse.SubjectRefLengths;

/**
 * The headquarters side: loads a batch of consumed messages through the ingest route as
 * trusted submissions (their subject is already the organisation-wide pseudonymous key), then
 * commits each partition's offset. Offsets are committed only after the warehouse committed, so
 * a crash in between re-delivers messages, which the load step recognises by id and content
 * hash as duplicates: the effect is exactly once.
 *
 * <p>The office node a message comes from is the node whose topic it was read from (only that
 * node may write it), never what the message says. A node may create, correct and void records
 * of the offices {@link Senders} allows it only; anything else goes to headquarters' dead-letter
 * store with the reason, and back to the office on its refusals topic.
 */
public final class Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(Receiver.class);
    static final String NOT_PERMITTED = "office_not_permitted";

    private final Ingest ingest;
    private final TransportState state;
    private final Clock clock;
    private final Senders senders;
    private final RecordOffices places;
    private final DeadLetterStore deadLetters;
    private final RefusalNotices notices;
    private final SubjectRefLengths refLengths;
    /** Unreadable lines of one message kept as dead letters each; the rest are counted in one more. */
    static final int MAX_UNREADABLE_KEPT = 20;
    /** Creates loaded in one warehouse transaction at most (transport.kafka.max_poll_records). */
    private int changesPerTransaction = 5000;

    /**
     * @param refLengths this node's lengths of subject refs: each change's office says which
     *                   lengths its refs have, learned before the change is stored; a change that
     *                   does not say makes this node search every length from then on
     */
    public Receiver(Ingest ingest, TransportState state, Clock clock, Senders senders, RecordOffices places,
                    DeadLetterStore deadLetters, RefusalNotices notices, SubjectRefLengths refLengths) {
        this.refLengths = refLengths;
        this.ingest = ingest;
        this.state = state;
        this.clock = clock;
        this.senders = senders;
        this.places = places;
        this.deadLetters = deadLetters;
        this.notices = notices;
    }

    /** Loads at most this many creates in one warehouse transaction (at least 1). */
    void changesPerTransaction(int changes) {
        this.changesPerTransaction = Math.max(1, changes);
    }

    /** What one consumed batch becomes, per office node. */
    private final class Batch {
        final Map<String, List<Item>> creates = new LinkedHashMap<>();
        final Map<String, Instant> forwardedAt = new LinkedHashMap<>();
        final Map<String, List<Refusal>> refusals = new LinkedHashMap<>();
        /** Lines of the message being read that were not changes. */
        int unreadable;

        void refuse(String node, String id, String action, String rule, String reason) {
            refusals.computeIfAbsent(node, k -> new ArrayList<>()).add(new Refusal(id, action, rule, reason, clock.instant()));
        }

        void flush() {
            for (Map.Entry<String, List<Item>> entry : creates.entrySet()) {
                if (!entry.getValue().isEmpty()) {
                    String node = entry.getKey();
                    submit(this, node, "create", new Submission(principal(node), source(node), offices(node), Submission.Mode.CREATE,
                            null, true, entry.getValue()));
                }
            }
            creates.clear();
        }
    }

    /** Where a change was read: its message, and its place in the message when the message holds more than one. */
    private record Where(String topic, Integer partition, Object offset, int change, int changes) {
        @Override
        public String toString() {
            return "the Kafka message at topic " + topic + ", partition " + partition + ", offset " + offset
                    + (changes > 1 ? ", change " + change + " of " + changes : "");
        }
    }

    /** A topic's partition, whose offset a batch commits. */
    private record Partition(String topic, Integer partition) {
    }

    /** One consumed batch (camel-kafka batching: the body is the list of record exchanges). */
    public void load(Exchange consumed) {
        @SuppressWarnings("unchecked")
        List<Exchange> records = consumed.getMessage().getBody(List.class);
        Batch batch = new Batch();
        Map<Partition, KafkaManualCommit> commits = new LinkedHashMap<>();
        int line = 0;
        Envelope previous = null;
        // A poll's records come partition by partition: a partition's offset is committed by the
        // manual commit of its last record, which is looked up once per run of a partition, and
        // the node once per run of a topic, not per record.
        Partition partition = null;
        Message last = null;
        String node = null;
        for (Exchange record : records) {
            Message message = record.getMessage();
            String topic = message.getHeader(KafkaConstants.TOPIC, String.class);
            Integer number = message.getHeader(KafkaConstants.PARTITION, Integer.class);
            if (partition == null || !Objects.equals(partition.topic(), topic) || !Objects.equals(partition.partition(), number)) {
                if (partition != null) {
                    commits.put(partition, last.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
                }
                if (partition == null || !Objects.equals(partition.topic(), topic)) {
                    node = senders.nodeOf(topic);
                }
                partition = new Partition(topic, number);
            }
            last = message;
            String value = message.getBody(String.class);
            List<String> changes = Envelope.lines(value);
            batch.unreadable = 0;
            for (int i = 0; i < changes.size(); i++) {
                line++;
                Where where = new Where(topic, number, message.getHeader(KafkaConstants.OFFSET), i + 1, changes.size());
                previous = change(batch, node, line, changes.get(i), where, previous);
            }
            if (batch.unreadable > MAX_UNREADABLE_KEPT) {
                // An office writes every line itself: a message of many unreadable lines is broken or hostile,
                // and must not become as many dead letters (or log lines).
                int more = batch.unreadable - MAX_UNREADABLE_KEPT;
                String where = new Where(topic, number, message.getHeader(KafkaConstants.OFFSET), 0, 1).toString();
                LOG.warn("{}: {} more of its {} lines are not forwarded changes either (not kept)", where, more, changes.size());
                batch.creates.computeIfAbsent(node == null ? "unknown" : node, k -> new ArrayList<>()).add(Submission.malformed(line, "",
                        where + ": " + more + " more of its " + changes.size() + " lines are not forwarded changes either (not kept)"));
            }
        }
        if (partition != null) {
            commits.put(partition, last.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
        }
        batch.flush();
        // Everything above is committed in the warehouse, and the offices are told what was
        // refused: only now may Kafka forget it.
        if (!batch.refusals.isEmpty()) {
            try {
                notices.send(batch.refusals);
            } catch (RuntimeException e) {
                // The refusals are in the dead-letter store either way; loading must not stop
                // because an office cannot be told (say, a missing ACL on its refusals topic).
                LOG.error("Headquarters could not tell the office(s) {} what it refused (kept in its dead-letter store): {}",
                        batch.refusals.keySet(), e.getMessage());
            }
        }
        commits.values().forEach(commit -> {
            if (commit != null) {
                commit.commit();
            }
        });
    }

    /**
     * One change of a message: loaded with the batch, or, when it is not a change an office
     * wrote, kept in the dead-letter store (saying where it was) while the others of its message load.
     *
     * @return the change read, or {@code previous} when this one could not be read
     */
    private Envelope change(Batch batch, String node, int line, String text, Where where, Envelope previous) {
        Envelope envelope;
        try {
            if (node == null) {
                throw new IllegalArgumentException("no office node of headquarters' transport.senders writes this topic");
            }
            envelope = Envelope.read(text, previous);
        } catch (IllegalArgumentException e) {
            // Not an office's change: kept in the dead-letter store, never loaded, never retried forever
            // (the first MAX_UNREADABLE_KEPT of a message; the caller counts the rest in one more).
            if (++batch.unreadable > MAX_UNREADABLE_KEPT) {
                return previous;
            }
            LOG.warn("{} is not a forwarded change: {}", where, e.getMessage());
            String sender = node == null ? "unknown" : node;
            List<Item> creates = batch.creates.computeIfAbsent(sender, k -> new ArrayList<>());
            creates.add(Submission.malformed(line, text, where + ": " + e.getMessage()));
            if (creates.size() >= changesPerTransaction) {
                batch.flush();
            }
            return previous;
        }
        batch.forwardedAt.merge(node, envelope.forwardedAt() == null ? Instant.EPOCH : envelope.forwardedAt(),
                (a, b) -> b.isAfter(a) ? b : a);
        learnRefLengths(envelope);
        String refused = envelope.origin().equals(node) ? null
                : "the message says it comes from office node " + shown(envelope.origin()) + ", but it was written on the topic of "
                + node + " (only " + node + " may write it)";
        switch (envelope.action()) {
            case "create" -> {
                Item item = Submission.item(line, envelope.record());
                refused = refused != null ? refused : notPermitted(node, envelope.record(), null);
                if (refused != null) {
                    item.reject(new Violation("office", NOT_PERMITTED, refused));
                }
                List<Item> creates = batch.creates.computeIfAbsent(node, k -> new ArrayList<>());
                creates.add(item);
                if (creates.size() >= changesPerTransaction) {
                    // A message holds many changes: a long backlog is loaded in transactions of a bounded size.
                    batch.flush();
                }
            }
            case "correct" -> {
                // A correction follows the creates before it in the batch, and its own record's history.
                batch.flush();
                Item item = Submission.item(line, envelope.record());
                refused = refused != null ? refused : notPermitted(node, envelope.record(), envelope.recordId());
                if (refused != null) {
                    item.reject(new Violation("office", NOT_PERMITTED, refused));
                }
                submit(batch, node, "correct", new Submission(principal(node), source(node), offices(node), Submission.Mode.CORRECT,
                        envelope.recordId().toString(), true, List.of(item)));
            }
            default -> {
                batch.flush();
                refused = refused != null ? refused : notPermitted(node, null, envelope.recordId());
                if (refused != null) {
                    refuseVoid(batch, node, line, envelope.recordId(), refused);
                } else {
                    boolean voided = ingest.voidRecord(envelope.recordId(), principal(node), source(node));
                    state.loaded(node, batch.forwardedAt.get(node), clock.instant(), voided ? 1 : 0, voided ? 0 : 1, 0);
                }
            }
        }
        return envelope;
    }

    /**
     * The lengths of the office's refs, before a subject of its change can be stored here: the
     * search for case codes in this node's texts tries only readings of the lengths it knows. A
     * change with a subject that does not say (an office older than the lengths, or one that
     * does not know all of its own) makes every length searched here from then on.
     */
    private void learnRefLengths(Envelope envelope) {
        if (envelope.record() == null || envelope.record().get("subject") == null || envelope.record().get("subject").isNull()) {
            return; // no subject: nothing of one is stored
        }
        if (envelope.refLengths() == null) {
            refLengths.incomplete();
        } else {
            envelope.refLengths().forEach(refLengths::saw);
        }
    }

    /**
     * Why this node may not make this change, or null when it may: the record it sends must be
     * of one of the node's offices, and so must the stored record it corrects or voids.
     */
    private String notPermitted(String node, ObjectNode record, UUID stored) {
        Set<String> allowed = offices(node);
        if (record != null && record.path("office").isTextual()) {
            String office = record.get("office").asText();
            // An office headquarters does not know is left to validation (unknown_office), which withholds the value.
            if (senders.known(office) && !allowed.contains(office)) {
                return "office node " + node + " may send records of " + String.join(", ", new TreeSet<>(allowed))
                        + " only, not of " + office + " (transport.senders at headquarters)";
            }
        }
        if (stored != null) {
            Optional<String> office = places.officeOf(stored);
            if (office.isPresent() && !allowed.contains(office.get())) {
                return "record " + stored + " belongs to office " + office.get() + "; office node " + node + " may change records of "
                        + String.join(", ", new TreeSet<>(allowed)) + " only (transport.senders at headquarters)";
            }
        }
        return null;
    }

    /** A void the node may not make: kept in the dead-letter store (with no body: a void carries none). */
    private void refuseVoid(Batch batch, String node, int line, UUID id, String reason) {
        deadLetters.add(List.of(new DeadLetter(0, clock.instant(), principal(node), source(node), line, id.toString(), null, null,
                "id", NOT_PERMITTED, "void refused: " + reason, null, null, null, "open")));
        LOG.warn("Headquarters refused a void from office node {}: {}", node, reason);
        batch.refuse(node, id.toString(), "void", NOT_PERMITTED, reason);
        state.loaded(node, batch.forwardedAt.get(node), clock.instant(), 0, 0, 1);
    }

    private void submit(Batch batch, String node, String action, Submission submission) {
        PublishResult result = ingest.submit(submission);
        if (!result.rejected().isEmpty()) {
            LOG.warn("Headquarters rejected {} forwarded record(s) from {} (kept in the dead-letter store), rules: {}",
                    result.rejected().size(), node,
                    result.rejected().stream().map(PublishResult.Rejection::rule).distinct().toList());
            if (senders.nodes().contains(node)) {
                result.rejected().forEach(r -> batch.refuse(node, r.id(), action, r.rule(), r.reason()));
            }
        }
        state.loaded(node, batch.forwardedAt.get(node), clock.instant(), result.accepted(), result.duplicates(), result.rejected().size());
    }

    private Set<String> offices(String node) {
        return senders.offices(node);
    }

    /** A name from a message, shown only when it has the shape of a node name. */
    private static String shown(String name) {
        return name != null && name.matches("[A-Za-z0-9_-]{1,64}") ? name : "(not shown)";
    }

    private static String principal(String node) {
        return "office:" + node;
    }

    private static String source(String node) {
        return "kafka:" + node;
    }
}

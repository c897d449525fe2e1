package org.tonle.pipelines.transport;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

/**
 * The headquarters side: loads a batch of consumed messages through the ingest route as
 * trusted submissions (their subject is already the organisation-wide pseudonymous key), then
 * commits each partition's offset. Offsets are committed only after the warehouse committed, so
 * a crash in between re-delivers messages, which the load step recognises by id and content
 * hash as duplicates: the effect is exactly once.
 */
public final class Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(Receiver.class);

    private final Ingest ingest;
    private final TransportState state;
    private final Clock clock;

    public Receiver(Ingest ingest, TransportState state, Clock clock) {
        this.ingest = ingest;
        this.state = state;
        this.clock = clock;
    }

    /** One consumed batch (camel-kafka batching: the body is the list of record exchanges). */
    public void load(Exchange batch) {
        @SuppressWarnings("unchecked")
        List<Exchange> records = batch.getMessage().getBody(List.class);
        Map<String, List<Item>> creates = new LinkedHashMap<>();
        Map<String, Instant> forwardedAt = new LinkedHashMap<>();
        Map<Integer, KafkaManualCommit> commits = new LinkedHashMap<>();
        int line = 0;
        for (Exchange record : records) {
            Message message = record.getMessage();
            line++;
            commits.put(message.getHeader(KafkaConstants.PARTITION, Integer.class),
                    message.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class));
            Envelope envelope;
            try {
                envelope = Envelope.read(message.getBody(String.class));
            } catch (IllegalArgumentException e) {
                // Not an office's message: kept in the dead-letter store, never loaded, never retried forever.
                String where = "partition " + message.getHeader(KafkaConstants.PARTITION) + ", offset " + message.getHeader(KafkaConstants.OFFSET);
                LOG.warn("A Kafka message at {} is not a forwarded change: {}", where, e.getMessage());
                creates.computeIfAbsent("unknown", k -> new ArrayList<>())
                        .add(Submission.malformed(line, message.getBody(String.class), "the Kafka message at " + where + ": " + e.getMessage()));
                continue;
            }
            forwardedAt.merge(envelope.origin(), envelope.forwardedAt() == null ? Instant.EPOCH : envelope.forwardedAt(),
                    (a, b) -> b.isAfter(a) ? b : a);
            switch (envelope.action()) {
                case "create" -> creates.computeIfAbsent(envelope.origin(), k -> new ArrayList<>())
                        .add(Submission.item(line, envelope.record()));
                case "correct" -> {
                    // A correction follows the creates before it in the batch, and its own record's history.
                    flush(creates, forwardedAt);
                    submit(envelope.origin(), new Submission(principal(envelope.origin()), source(envelope.origin()), null,
                            Submission.Mode.CORRECT, envelope.recordId().toString(), true,
                            List.of(Submission.item(line, envelope.record()))), forwardedAt.get(envelope.origin()));
                }
                default -> {
                    flush(creates, forwardedAt);
                    boolean voided = ingest.voidRecord(envelope.recordId(), principal(envelope.origin()), source(envelope.origin()));
                    state.loaded(envelope.origin(), forwardedAt.get(envelope.origin()), clock.instant(), voided ? 1 : 0, voided ? 0 : 1, 0);
                }
            }
        }
        flush(creates, forwardedAt);
        // Everything above is committed in the warehouse; only now may Kafka forget it.
        commits.values().forEach(commit -> {
            if (commit != null) {
                commit.commit();
            }
        });
    }

    private void flush(Map<String, List<Item>> creates, Map<String, Instant> forwardedAt) {
        for (Map.Entry<String, List<Item>> entry : creates.entrySet()) {
            if (!entry.getValue().isEmpty()) {
                String origin = entry.getKey();
                submit(origin, new Submission(principal(origin), source(origin), null, Submission.Mode.CREATE, null, true,
                        entry.getValue()), forwardedAt.get(origin));
            }
        }
        creates.clear();
    }

    private void submit(String origin, Submission submission, Instant forwardedAt) {
        PublishResult result = ingest.submit(submission);
        if (!result.rejected().isEmpty()) {
            LOG.warn("Headquarters rejected {} forwarded record(s) from {} (kept in the dead-letter store), rules: {}",
                    result.rejected().size(), origin,
                    result.rejected().stream().map(PublishResult.Rejection::rule).distinct().toList());
        }
        state.loaded(origin, forwardedAt, clock.instant(), result.accepted(), result.duplicates(), result.rejected().size());
    }

    private static String principal(String origin) {
        return "office:" + origin;
    }

    private static String source(String origin) {
        return "kafka:" + origin;
    }
}

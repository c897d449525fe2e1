package org.tonle.pipelines.transport;

import java.util.List;

import org.apache.camel.builder.RouteBuilder;
import org.tonle.core.config.Settings;

/**
 * The routes between offices and headquarters. The ingest route is the same in every role;
 * the role in configuration only decides which of these two routes a node runs and where their
 * Kafka endpoints point:
 * <ul>
 * <li>{@code transport-forward} (office): as soon as a commit brought changes (the forwarder
 *     waits for it, {@link Forwarder#next}), the oldest
 *     changes in the outbox go to the node's own topic, many changes a message, keyed by the
 *     node (so on one partition, in commit order), acknowledged by all
 *     in-sync replicas, with an idempotent producer so that retries keep their order; while a
 *     backlog lasts, batches follow back to back;</li>
 * <li>{@code transport-receive} (headquarters): batches from the topic go into the ingest
 *     route as trusted submissions; offsets are committed by hand after the warehouse
 *     committed, and a failed batch is consumed again from the last committed offset.</li>
 * </ul>
 */
public final class TransportRoutes extends RouteBuilder {

    /** How long headquarters gathers consumed messages into one batch, at most (and polls for more). */
    static final int BATCH_MS = 50;

    /** The Kafka component of these routes: it signs in as the node (KafkaSecurity). */
    static final String COMPONENT = "tonle-kafka";

    private final Settings.Transport transport;
    private final KafkaSecurity security;
    private final Forwarder forwarder;
    private final Receiver receiver;
    private final String clientId;
    private final List<String> topics;

    private TransportRoutes(Settings.Transport transport, KafkaSecurity security, Forwarder forwarder, Receiver receiver, String clientId,
                            List<String> topics) {
        this.transport = transport;
        this.security = security;
        this.forwarder = forwarder;
        this.receiver = receiver;
        this.clientId = clientId;
        this.topics = topics;
    }

    /** An office node writes its own topic, {@code <topic>.<origin>}, and no other. */
    public static TransportRoutes office(Settings.Transport transport, KafkaSecurity security, Forwarder forwarder, String origin) {
        return new TransportRoutes(transport, security, forwarder, null, "tonle-office-" + origin,
                List.of(transport.kafka().officeTopic(origin)));
    }

    /** Headquarters reads the topic of every office node it knows. */
    public static TransportRoutes headquarters(Settings.Transport transport, KafkaSecurity security, Receiver receiver, Senders senders) {
        receiver.changesPerTransaction(transport.kafka().maxPollRecords());
        return new TransportRoutes(transport, security, null, receiver, "tonle-headquarters", senders.topics());
    }

    /**
     * The producer endpoint: waits until every message of a batch is acknowledged, gives up
     * after eight seconds. An outbox batch of a few thousand changes is a few messages of up to
     * {@link Envelope#MESSAGE_BYTES} (smaller than the producer's 256 KB batch, so
     * messages share one), compressed
     * with LZ4 (JSON shrinks to about a fifth, so the broker encrypts, stores and sends a fifth
     * of the bytes, for little CPU at the office). The producer keeps the topic's metadata while the brokers are away
     * (no re-bootstrap): without it, every single send would block for max.block.ms.
     */
    String producerUri() {
        Settings.Kafka kafka = transport.kafka();
        return COMPONENT + ":" + topics.get(0) + "?brokers=" + kafka.bootstrap() + "&clientId=" + clientId
                + "&requestRequiredAcks=all&enableIdempotence=true&synchronous=true"
                + "&lingerMs=5&producerBatchSize=262144&compressionCodec=lz4&maxBlockMs=2000&requestTimeoutMs=3000&deliveryTimeoutMs=8000&reconnectBackoffMaxMs=2000"
                + "&additionalProperties.metadata.recovery.strategy=none";
    }

    /**
     * Kafka messages headquarters takes into one batch: a message holds up to a few thousand
     * changes ({@link Envelope#MESSAGE_BYTES} at most), so a batch of {@code max_poll_records}
     * messages could hold hundreds of thousands; a tenth of it (500 by default) bounds a batch to
     * 64 MB of messages, loaded in transactions of {@code max_poll_records} changes. Messages of
     * offices that still send one change each (during an upgrade) come 500 to a batch.
     */
    static int messagesPerPoll(int maxPollRecords) {
        return Math.max(1, maxPollRecords / 10);
    }

    /**
     * The consumer endpoint: batches, no automatic commit, a failed batch breaks and is consumed
     * again. A crashed headquarters node leaves the group after 10 s (not Kafka's default 45 s),
     * so its restart, or another node, takes the partitions over soon. A batch closes
     * {@value #BATCH_MS} ms after the last one, or after a poll of {@value #BATCH_MS} ms brought
     * nothing: what an office forwarded waits about that long at most before headquarters loads
     * it, and a batch from an office sending 30,000 changes a second still holds about 1,500
     * (docs/PERFORMANCE.md, "The forwarder woken by the commit").
     */
    String consumerUri() {
        Settings.Kafka kafka = transport.kafka();
        return COMPONENT + ":" + String.join(",", topics) + "?brokers=" + kafka.bootstrap() + "&clientId=" + clientId
                + "&groupId=" + kafka.group() + "&autoOffsetReset=earliest"
                + "&batching=true&maxPollRecords=" + messagesPerPoll(kafka.maxPollRecords()) + "&pollTimeoutMs=" + BATCH_MS + "&batchingIntervalMs=" + BATCH_MS
                + "&autoCommitEnable=false&allowManualCommit=true&breakOnFirstError=true&reconnectBackoffMaxMs=2000"
                + "&sessionTimeoutMs=10000&heartbeatIntervalMs=3000";
    }

    @Override
    public void configure() {
        getContext().addComponent(COMPONENT, security.component());
        if (forwarder != null) {
            // The timer only starts the route again at once: Forwarder.next waits for a commit (or a back-off's end).
            from("timer:tonle-outbox?period=1").routeId("transport-forward")
                    .onException(Exception.class).handled(true).bean(forwarder, "failed").end()
                    .bean(forwarder, "next")
                    .loopDoWhile(simple("${body.size} > 0"))
                        .to(producerUri())
                        .bean(forwarder, "forwarded")
                        .bean(forwarder, "more")
                    .end();
        }
        if (receiver != null) {
            from(consumerUri()).routeId("transport-receive")
                    .bean(receiver, "load");
        }
    }
}

package org.tonle.host.transport;

import java.util.HashSet;
import java.util.Set;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.tonle.pipelines.transport.ConsumerLag;
import org.tonle.pipelines.transport.TransportState;
import org.tonle.warehouse.Outbox;

/**
 * The transport's figures as Micrometer meters, read when Prometheus scrapes. Offices and
 * partitions appear as they become known, so {@link #refresh} runs before every scrape.
 */
public final class TransportMetrics {

    private final NodeTransport transport;
    private final MeterRegistry registry;
    private final Set<String> offices = new HashSet<>();
    private final Set<String> partitions = new HashSet<>();

    public TransportMetrics(NodeTransport transport, MeterRegistry registry) {
        this.transport = transport;
        this.registry = registry;
        Gauge.builder("tonle.transport.role", () -> 1).tag("role", transport.role().name().toLowerCase())
                .description("the node's transport role (single, office, headquarters)").register(registry);
        Outbox outbox = transport.outbox();
        if (outbox != null) {
            Gauge.builder("tonle.outbox.depth", () -> outbox.depth().count())
                    .description("changes waiting in the office's outbox for Kafka").register(registry);
            Gauge.builder("tonle.outbox.capacity", outbox::capacity)
                    .description("changes the outbox may hold before the office refuses records").register(registry);
            TransportState state = transport.state();
            Gauge.builder("tonle.outbox.last.forward.timestamp.seconds",
                            () -> state.link().lastForwardAt() == null ? Double.NaN : state.link().lastForwardAt().toEpochMilli() / 1000.0)
                    .description("when Kafka last acknowledged a batch from this office").register(registry);
            Gauge.builder("tonle.outbox.kafka.reachable", () -> state.link().up() ? 1 : 0)
                    .description("1 while the last forwarding attempt succeeded").register(registry);
            FunctionCounter.builder("tonle.outbox.forwarded", state, s -> s.link().forwarded())
                    .description("changes forwarded to Kafka since the node started").register(registry);
            FunctionCounter.builder("tonle.outbox.table.reads", outbox, Outbox::tableReads)
                    .description("reads of the outbox table since the node started: after a start, a failed commit, or the forwarder falling behind").register(registry);
        }
    }

    /** Registers meters for offices and partitions seen since the last scrape. */
    public void refresh() {
        TransportState state = transport.state();
        for (String office : state.origins().keySet()) {
            if (offices.add(office)) {
                Gauge.builder("tonle.transport.last.forward.timestamp.seconds", () -> {
                            TransportState.Origin o = state.origins().get(office);
                            return o == null || o.lastForwardAt() == null ? Double.NaN : o.lastForwardAt().toEpochMilli() / 1000.0;
                        }).tag("office", office)
                        .description("when the office sent the newest change headquarters loaded").register(registry);
                FunctionCounter.builder("tonle.transport.loaded", state, s -> s.origins().getOrDefault(office,
                                new TransportState.Origin(null, null, 0, 0, 0)).loaded()).tag("office", office)
                        .description("forwarded records headquarters committed since it started").register(registry);
            }
        }
        ConsumerLag.Lag lag = transport.lag();
        if (lag != null) {
            if (partitions.isEmpty()) {
                Gauge.builder("tonle.transport.consumer.lag", () -> {
                    ConsumerLag.Lag now = transport.lag();
                    return now.error() == null ? now.total() : Double.NaN;
                }).description("messages headquarters has not yet committed, all partitions").register(registry);
                partitions.add("");
            }
            for (String partition : lag.partitions().keySet()) {
                if (partitions.add(partition)) {
                    Gauge.builder("tonle.transport.consumer.partition.lag", () -> transport.lag().partitions().getOrDefault(partition, 0L))
                            .tag("partition", partition)
                            .description("messages headquarters has not yet committed, by partition").register(registry);
                }
            }
        }
    }
}

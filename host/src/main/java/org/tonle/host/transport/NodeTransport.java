package org.tonle.host.transport;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.Settings;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.transport.ConsumerLag;
import org.tonle.pipelines.transport.Forwarder;
import org.tonle.pipelines.transport.Receiver;
import org.tonle.pipelines.transport.TransportRoutes;
import org.tonle.pipelines.transport.TransportState;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/**
 * The node's part in moving records between offices and headquarters, by
 * {@code transport.role} (docs/SCALING.md). A single node has none; an office writes every
 * commit into its outbox and forwards it; headquarters consumes and loads.
 */
public final class NodeTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);

    private final Settings.Transport settings;
    private final String node;
    private final TransportState state = new TransportState();
    private Outbox outbox;
    private ConsumerLag lag;

    private NodeTransport(Settings.Transport settings, String node) {
        this.settings = settings;
        this.node = node;
    }

    /**
     * Starts the role's route. Call it once programmes are live: headquarters validates what it
     * consumes against them.
     *
     * @param office the node's --office, or null
     */
    public static NodeTransport start(Settings.Transport settings, String office, Warehouse warehouse, RecordStore store,
                                      CamelContext camel, Ingest ingest) {
        String node = settings.node() != null && !settings.node().isBlank() ? settings.node() : office;
        NodeTransport transport = new NodeTransport(settings, node);
        try {
            switch (settings.role()) {
                case SINGLE -> {
                    return transport;
                }
                case OFFICE -> {
                    if (node == null) {
                        throw new IllegalStateException("transport.role is office, but this node has no name for headquarters:"
                                + " start it with --office CODE or set transport.node in tonle.yaml");
                    }
                    transport.outbox = new Outbox(warehouse, settings.outbox().capacity());
                    store.commitHook(transport.outbox);
                    Forwarder forwarder = new Forwarder(transport.outbox, node, settings.outbox().batch(),
                            settings.outbox().warnAt(), transport.state, Clock.systemUTC());
                    camel.addRoutes(TransportRoutes.office(settings, forwarder, node));
                }
                case HEADQUARTERS -> {
                    transport.lag = new ConsumerLag(settings.kafka().bootstrap(), settings.kafka().topic(), settings.kafka().group());
                    camel.addRoutes(TransportRoutes.headquarters(settings, new Receiver(ingest, transport.state, Clock.systemUTC())));
                }
            }
        } catch (Exception e) {
            transport.close();
            throw new IllegalStateException("cannot start the " + settings.role().name().toLowerCase() + " transport: " + e.getMessage(), e);
        }
        LOG.info("Transport: {} node{} through Kafka at {}, topic {}", settings.role().name().toLowerCase(),
                node == null ? "" : " " + node, settings.kafka().bootstrap(), settings.kafka().topic());
        return transport;
    }

    public Settings.Transport.Role role() {
        return settings.role();
    }

    public String node() {
        return node;
    }

    /** The office's outbox, or null on other roles. */
    public Outbox outbox() {
        return outbox;
    }

    public TransportState state() {
        return state;
    }

    /** Headquarters' consumer lag, or null on other roles. */
    public ConsumerLag.Lag lag() {
        return lag == null ? null : lag.lag();
    }

    /** The transport section of {@code GET /api/v1/status}. */
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("role", settings.role().name().toLowerCase());
        if (settings.role() == Settings.Transport.Role.SINGLE) {
            return status;
        }
        status.put("kafka", Map.of("bootstrap", settings.kafka().bootstrap(), "topic", settings.kafka().topic()));
        if (outbox != null) {
            status.put("node", node);
            Outbox.Depth depth = outbox.depth();
            long capacity = outbox.capacity();
            Map<String, Object> box = new LinkedHashMap<>();
            box.put("depth", depth.count());
            box.put("capacity", capacity);
            box.put("warn_at", settings.outbox().warnAt());
            box.put("state", depth.count() >= capacity ? "full" : depth.count() >= settings.outbox().warnAt() * capacity ? "warning" : "ok");
            box.put("oldest", text(depth.oldest()));
            status.put("outbox", box);
            TransportState.Link link = state.link();
            Map<String, Object> forwarding = new LinkedHashMap<>();
            forwarding.put("kafka_reachable", link.up());
            forwarding.put("last_forward_at", text(link.lastForwardAt()));
            forwarding.put("forwarded", link.forwarded());
            forwarding.put("unreachable_since", text(link.downSince()));
            forwarding.put("last_error", link.lastError());
            status.put("forwarding", forwarding);
        }
        if (lag != null) {
            status.put("group", settings.kafka().group());
            Map<String, Object> offices = new LinkedHashMap<>();
            state.origins().forEach((origin, o) -> {
                Map<String, Object> office = new LinkedHashMap<>();
                office.put("last_forward_at", text(o.lastForwardAt()));
                office.put("last_load_at", text(o.lastLoadAt()));
                office.put("loaded", o.loaded());
                office.put("duplicates", o.duplicates());
                office.put("rejected", o.rejected());
                offices.put(origin, office);
            });
            status.put("offices", offices);
            ConsumerLag.Lag now = lag.lag();
            Map<String, Object> consumer = new LinkedHashMap<>();
            consumer.put("lag", now.error() == null ? now.total() : null);
            Map<String, Long> partitions = new LinkedHashMap<>();
            now.partitions().forEach((p, n) -> partitions.put(String.valueOf(p), n));
            consumer.put("partitions", partitions);
            consumer.put("error", now.error());
            status.put("consumer", consumer);
        }
        return status;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    @Override
    public void close() {
        if (lag != null) {
            lag.close();
        }
    }
}

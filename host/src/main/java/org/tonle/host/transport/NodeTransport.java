package org.tonle.host.transport;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.Settings;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.transport.ConsumerLag;
import org.tonle.pipelines.transport.Forwarder;
import org.tonle.pipelines.transport.KafkaSecurity;
import org.tonle.pipelines.transport.Receiver;
import org.tonle.pipelines.transport.RefusalNotices;
import org.tonle.pipelines.transport.RefusalWatch;
import org.tonle.pipelines.transport.Senders;
import org.tonle.pipelines.transport.TransportRoutes;
import org.tonle.pipelines.transport.TransportState;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.RecordOffices;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.SubjectRefLengths;
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
    private RefusalNotices notices;
    private RefusalWatch refusals;

    private NodeTransport(Settings.Transport settings, String node) {
        this.settings = settings;
        this.node = node;
    }

    /**
     * An office's outbox, joined to every later commit of {@code store}; null on other roles. Call
     * it before anything can commit (the inbox, the intake and the bundles' routes start before
     * {@link #start}): a record committed without its outbox row would never reach headquarters.
     */
    public static Outbox outbox(Settings.Transport settings, Warehouse warehouse, RecordStore store) {
        if (settings.role() != Settings.Transport.Role.OFFICE) {
            return null;
        }
        Outbox outbox = new Outbox(warehouse, settings.outbox().capacity());
        store.commitHook(outbox);
        return outbox;
    }

    /**
     * Starts the role's route. Call it once programmes are live: headquarters validates what it
     * consumes against them.
     *
     * @param outbox  the office's outbox ({@link #outbox}), null on other roles
     * @param office  the node's --office, or null
     * @param config  the configuration folder (the broker's trust store is relative to it)
     * @param secrets the secrets folder (the Kafka password file is in it)
     * @param offices the offices configured on this node
     */
    public static NodeTransport start(Settings.Transport settings, Outbox outbox, String office, Warehouse warehouse,
                                      CamelContext camel, Ingest ingest, SubjectRefLengths refLengths, Path config, Path secrets,
                                      List<String> offices) {
        String node = settings.node() != null && !settings.node().isBlank() ? settings.node() : office;
        NodeTransport transport = new NodeTransport(settings, node);
        try {
            if (settings.role() == Settings.Transport.Role.SINGLE) {
                return transport;
            }
            KafkaSecurity security = KafkaSecurity.of(settings.kafka(), config, secrets);
            if (!security.secured()) {
                LOG.warn("transport.kafka.security is plaintext: this node talks to Kafka unencrypted and unauthenticated, and"
                        + " headquarters cannot know which office wrote what. Use it on a development machine only (docs/TRANSPORT.md).");
            }
            switch (settings.role()) {
                case SINGLE -> {
                    return transport;
                }
                case OFFICE -> {
                    if (node == null) {
                        throw new IllegalStateException("transport.role is office, but this node has no name for headquarters:"
                                + " start it with --office CODE or set transport.node in tonle.yaml");
                    }
                    transport.outbox = outbox;
                    Forwarder forwarder = new Forwarder(transport.outbox, node, settings.outbox().batch(),
                            settings.outbox().warnAt(), transport.state, Clock.systemUTC(), refLengths);
                    camel.addRoutes(TransportRoutes.office(settings, security, forwarder, node));
                    transport.refusals = new RefusalWatch(settings.kafka(), security, node, transport.state);
                }
                case HEADQUARTERS -> {
                    Senders senders = Senders.of(settings.kafka(), settings.senders(), offices);
                    transport.lag = new ConsumerLag(settings.kafka().bootstrap(), senders.topics(), settings.kafka().group(), security);
                    transport.notices = new RefusalNotices(settings.kafka(), security);
                    Receiver receiver = new Receiver(ingest, transport.state, Clock.systemUTC(), senders, new RecordOffices(warehouse),
                            new DeadLetterStore(warehouse), transport.notices, refLengths);
                    camel.addRoutes(TransportRoutes.headquarters(settings, security, receiver, senders));
                }
            }
        } catch (Exception e) {
            transport.close();
            throw new IllegalStateException("cannot start the " + settings.role().name().toLowerCase() + " transport: " + e.getMessage(), e);
        }
        LOG.info("Transport: {} node{} through Kafka at {} ({}), topics {}.*", settings.role().name().toLowerCase(),
                node == null ? "" : " " + node, settings.kafka().bootstrap(), settings.kafka().security(), settings.kafka().topic());
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
        Map<String, Object> kafka = new LinkedHashMap<>();
        kafka.put("bootstrap", settings.kafka().bootstrap());
        kafka.put("security", settings.kafka().security());
        kafka.put("user", settings.kafka().secured() ? settings.kafka().username() : null);
        kafka.put("topic", outbox != null ? settings.kafka().officeTopic(node) : settings.kafka().topic() + ".*");
        status.put("kafka", kafka);
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
            Map<String, Object> refused = new LinkedHashMap<>();
            refused.put("count", state.refusedCount());
            refused.put("recent", state.recentRefusals().stream().map(r -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("id", r.id());
                one.put("action", r.action());
                one.put("rule", r.rule());
                one.put("reason", r.reason());
                one.put("refused_at", text(r.refusedAt()));
                return one;
            }).toList());
            status.put("refused_by_headquarters", refused);
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
            consumer.put("partitions", new LinkedHashMap<>(now.partitions()));
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
        if (outbox != null) {
            outbox.trim();
        }
        if (lag != null) {
            lag.close();
        }
        if (refusals != null) {
            refusals.close();
        }
        if (notices != null) {
            notices.close();
        }
    }
}

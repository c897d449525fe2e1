package org.tonle.pipelines.transport;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.tonle.core.config.Settings;

/**
 * Headquarters' list of the office nodes that send to it and the offices each may write
 * ({@code transport.senders}; by default every configured office is a node that writes its own
 * records). Kafka tells no consumer who produced a message, so each office node writes a topic
 * of its own that only it may write (Kafka ACLs): the topic a message came from names the
 * authenticated office node, whatever the message itself claims.
 */
public final class Senders {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Settings.Kafka kafka;
    private final Map<String, Set<String>> offices;
    private final Set<String> known;

    private Senders(Settings.Kafka kafka, Map<String, Set<String>> offices, Set<String> known) {
        this.kafka = kafka;
        this.offices = offices;
        this.known = known;
    }

    /**
     * @param configured {@code transport.senders}: node → offices; empty for one node per office
     * @param allOffices the offices configured at headquarters
     */
    public static Senders of(Settings.Kafka kafka, Map<String, List<String>> configured, Collection<String> allOffices) {
        Map<String, Set<String>> offices = new LinkedHashMap<>();
        if (configured.isEmpty()) {
            allOffices.forEach(office -> offices.put(office, Set.of(office)));
        } else {
            configured.forEach((node, list) -> offices.put(node, Set.copyOf(list == null ? List.of() : list)));
        }
        for (String node : offices.keySet()) {
            if (!NAME.matcher(node).matches()) {
                throw new IllegalStateException("transport.senders: '" + node + "' cannot name a Kafka topic; use letters, digits, _ and -");
            }
        }
        return new Senders(kafka, offices, new TreeSet<>(allOffices));
    }

    /** Every office node's topic, for headquarters' consumer. */
    public List<String> topics() {
        return offices.keySet().stream().map(kafka::officeTopic).toList();
    }

    public Set<String> nodes() {
        return offices.keySet();
    }

    /** The office node whose topic this is, or null for a topic of no known node. */
    String nodeOf(String topic) {
        String prefix = kafka.topic() + ".";
        if (topic == null || !topic.startsWith(prefix)) {
            return null;
        }
        String node = topic.substring(prefix.length());
        return offices.containsKey(node) ? node : null;
    }

    /** The offices this node may write. */
    Set<String> offices(String node) {
        return offices.getOrDefault(node, Set.of());
    }

    /** Whether headquarters knows this office (only then may a reason name it). */
    boolean known(String office) {
        return office != null && known.contains(office);
    }
}

package org.tonle.pipelines.transport;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the transport did, for {@code GET /api/v1/status} and {@code /metrics}. The forwarder
 * (office) and the receiver (headquarters) write it; readers take snapshots.
 */
public final class TransportState {

    /** An office's view of its link to Kafka. */
    public record Link(boolean up, Instant lastForwardAt, long forwarded, String lastError, Instant downSince) {
    }

    /**
     * Headquarters' view of one office node.
     *
     * @param lastForwardAt when the office sent the newest change headquarters has loaded
     * @param lastLoadAt    when headquarters committed it
     */
    public record Origin(Instant lastForwardAt, Instant lastLoadAt, long loaded, long duplicates, long rejected) {
    }

    private static final int RECENT_REFUSALS = 20;

    private volatile Link link = new Link(true, null, 0, null, null);
    private final Deque<Refusal> refusals = new ArrayDeque<>();
    private long refusedCount;
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();

    public Link link() {
        return link;
    }

    synchronized void forwarded(int count, Instant at) {
        link = new Link(true, at, link.forwarded() + count, null, null);
    }

    /** @return whether the link was up until now */
    synchronized boolean failed(String error, Instant at) {
        boolean wasUp = link.up();
        link = new Link(false, link.lastForwardAt(), link.forwarded(), error, wasUp ? at : link.downSince());
        return wasUp;
    }

    synchronized void loaded(String origin, Instant forwardedAt, Instant loadedAt, long loaded, long duplicates, long rejected) {
        origins.merge(origin, new Origin(forwardedAt, loadedAt, loaded, duplicates, rejected), (a, b) -> new Origin(
                a.lastForwardAt() == null || (b.lastForwardAt() != null && b.lastForwardAt().isAfter(a.lastForwardAt()))
                        ? b.lastForwardAt() : a.lastForwardAt(),
                b.lastLoadAt(), a.loaded() + b.loaded(), a.duplicates() + b.duplicates(), a.rejected() + b.rejected()));
    }

    /** An office: headquarters refused this change (read back from the refusals topic). */
    synchronized boolean refused(Refusal refusal) {
        refusedCount++;
        refusals.addFirst(refusal);
        while (refusals.size() > RECENT_REFUSALS) {
            refusals.removeLast();
        }
        return true;
    }

    /** How many changes of this office headquarters refused, as far as the refusals topic still holds them. */
    public synchronized long refusedCount() {
        return refusedCount;
    }

    /** The newest refusals first, at most {@value #RECENT_REFUSALS}. */
    public synchronized List<Refusal> recentRefusals() {
        return List.copyOf(refusals);
    }

    /** Per office node, by name. */
    public Map<String, Origin> origins() {
        return new TreeMap<>(origins);
    }
}

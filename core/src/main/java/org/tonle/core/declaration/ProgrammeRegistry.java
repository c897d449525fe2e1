package org.tonle.core.declaration;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The programmes live in this node, keyed by the bundle that declared them. The extender adds
 * and withdraws entries as bundles come and go; everything else reads it.
 */
public final class ProgrammeRegistry {

    /** A bundle known to the extender, with its programme when its declaration is valid. */
    public record Entry(long bundleId, String bundle, String version, String state, Programme programme, String error) {

        public boolean active() {
            return "active".equals(state);
        }
    }

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    /** The active programmes by id, swapped whole on every change: read once per record on the bulk path. */
    private volatile Map<String, Programme> live = Map.of();
    private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();

    /**
     * Adds a programme. Refused (and recorded as a failed entry) when another bundle already
     * declares the same programme id or one of its indicator codes.
     */
    public synchronized Entry add(long bundleId, String bundle, String version, Programme programme) {
        for (Entry other : entries.values()) {
            if (other.bundleId() == bundleId || !other.active()) {
                continue;
            }
            if (other.programme().id().equals(programme.id())) {
                return fail(bundleId, bundle, version, "programme id '" + programme.id()
                        + "' is already declared by bundle " + other.bundle());
            }
            for (Indicator indicator : programme.indicators()) {
                if (other.programme().indicator(indicator.code()).isPresent()) {
                    return fail(bundleId, bundle, version, "indicator '" + indicator.code()
                            + "' is already declared by bundle " + other.bundle());
                }
            }
        }
        return put(new Entry(bundleId, bundle, version, "active", programme, null));
    }

    public Entry fail(long bundleId, String bundle, String version, String error) {
        return put(new Entry(bundleId, bundle, version, "failed", null, error));
    }

    /** A bundle that may not run its code (DESIGN.md section 9.7): never started. */
    public Entry untrusted(long bundleId, String bundle, String version, String reason) {
        return put(new Entry(bundleId, bundle, version, "untrusted", null, reason));
    }

    /** A valid programme that this node does not run (not in its offices' deployments). */
    public Entry park(long bundleId, String bundle, String version, Programme programme, String reason) {
        return put(new Entry(bundleId, bundle, version, "not_deployed", programme, reason));
    }

    public void remove(long bundleId) {
        Entry removed = entries.remove(bundleId);
        if (removed != null) {
            refreshLive();
            Entry withdrawn = new Entry(bundleId, removed.bundle(), removed.version(), "withdrawn", removed.programme(), removed.error());
            listeners.forEach(l -> l.accept(withdrawn));
        }
    }

    private Entry put(Entry entry) {
        entries.put(entry.bundleId(), entry);
        refreshLive();
        listeners.forEach(l -> l.accept(entry));
        return entry;
    }

    /** Called after every change, for caches that depend on the live programmes. */
    public void onChange(Consumer<Entry> listener) {
        listeners.add(listener);
    }

    private synchronized void refreshLive() {
        Map<String, Programme> next = new HashMap<>();
        entries.values().stream().filter(Entry::active).forEach(e -> next.putIfAbsent(e.programme().id(), e.programme()));
        live = Map.copyOf(next);
    }

    public Optional<Programme> programme(String id) {
        return Optional.ofNullable(live.get(id));
    }

    public List<Programme> programmes() {
        return live.values().stream().sorted(Comparator.comparing(Programme::id)).toList();
    }

    public Collection<Entry> entries() {
        List<Entry> all = new ArrayList<>(entries.values());
        all.sort(Comparator.comparing(Entry::bundle));
        return all;
    }

    public Optional<Indicator> indicator(String code) {
        for (Programme p : programmes()) {
            Optional<Indicator> indicator = p.indicator(code);
            if (indicator.isPresent()) {
                return indicator;
            }
        }
        return Optional.empty();
    }
}

package org.tonle.host.osgi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.tonle.programme.api.RecordCheck;

/**
 * The {@link RecordCheck} services bundles registered, by the programme id in their
 * {@code tonle.programme} property. Kept as an immutable map swapped on every change, so the
 * pipeline's per-record look-up takes no lock.
 */
public final class RecordChecks extends ServiceTracker<RecordCheck, RecordCheck> implements Function<String, List<RecordCheck>> {

    public static final String PROGRAMME_PROPERTY = "tonle.programme";

    private volatile Map<String, List<RecordCheck>> byProgramme = Map.of();

    public RecordChecks(BundleContext context) {
        super(context, RecordCheck.class, null);
    }

    @Override
    public RecordCheck addingService(ServiceReference<RecordCheck> reference) {
        RecordCheck check = super.addingService(reference);
        rebuild(reference, check, true);
        return check;
    }

    @Override
    public void removedService(ServiceReference<RecordCheck> reference, RecordCheck service) {
        rebuild(reference, service, false);
        super.removedService(reference, service);
    }

    private synchronized void rebuild(ServiceReference<RecordCheck> reference, RecordCheck check, boolean add) {
        Object programme = reference.getProperty(PROGRAMME_PROPERTY);
        if (programme == null || check == null) {
            return;
        }
        Map<String, List<RecordCheck>> next = new HashMap<>(byProgramme);
        List<RecordCheck> checks = new ArrayList<>(next.getOrDefault(programme.toString(), List.of()));
        if (add) {
            checks.add(check);
        } else {
            checks.remove(check);
        }
        next.put(programme.toString(), List.copyOf(checks));
        byProgramme = Map.copyOf(next);
    }

    @Override
    public List<RecordCheck> apply(String programme) {
        return byProgramme.getOrDefault(programme, List.of());
    }
}

package org.tonle.programmes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.RecordCheck;
import org.tonle.programme.api.Violation;

/**
 * The {@link RecordCheck} services bundles registered, by the programme id in their
 * {@code tonle.programme} property. Kept as an immutable map swapped on every change, so the
 * pipeline's per-record look-up takes no lock.
 *
 * <p>A check that throws, or whose service cannot even be created, is <em>disabled</em>: it is
 * not called again, and until its bundle is updated or restarted every record of its programme
 * is rejected with the rule {@code programme_check} (and kept in the dead-letter store for
 * replay). Accepting them unchecked would let in records the programme means to refuse; the
 * host and the other programmes go on serving. {@link #failures()} shows why, in
 * {@code GET /api/v1/programs}.
 */
public final class RecordChecks extends ServiceTracker<RecordCheck, RecordCheck> implements Function<String, List<RecordCheck>> {

    public static final String PROGRAMME_PROPERTY = "tonle.programme";
    private static final Logger LOG = LoggerFactory.getLogger(RecordChecks.class);

    /** Why a bundle's check for a programme is disabled. */
    public record Failure(long bundleId, String bundle, String programme, String error) {
    }

    private volatile Map<String, List<RecordCheck>> byProgramme = Map.of();
    private final Map<Long, Failure> failures = new ConcurrentHashMap<>();
    private final SynchronousBundleListener forgetOnStop = event -> {
        if (event.getType() == BundleEvent.STOPPED || event.getType() == BundleEvent.UNINSTALLED) {
            if (failures.remove(event.getBundle().getBundleId()) != null) {
                rebuildAll();
            }
        }
    };

    public RecordChecks(BundleContext context) {
        super(context, RecordCheck.class, null);
    }

    @Override
    public void open() {
        context.addBundleListener(forgetOnStop);
        super.open();
    }

    @Override
    public void close() {
        super.close();
        context.removeBundleListener(forgetOnStop);
    }

    @Override
    public RecordCheck addingService(ServiceReference<RecordCheck> reference) {
        Object programme = reference.getProperty(PROGRAMME_PROPERTY);
        RecordCheck check;
        try {
            check = super.addingService(reference);
        } catch (RuntimeException e) {
            check = null;
        }
        if (check == null) {
            // Declarative Services could not activate the component: the check exists but cannot run.
            disable(reference.getBundle(), String.valueOf(programme), "its RecordCheck service could not be created"
                    + " (the component failed to activate; see the node's log)");
            return null;
        }
        rebuild(reference, check);
        return check;
    }

    @Override
    public void removedService(ServiceReference<RecordCheck> reference, RecordCheck service) {
        super.removedService(reference, service);
        rebuildAll();
    }

    private void disable(Bundle bundle, String programme, String error) {
        if (bundle == null) {
            return;
        }
        Failure failure = new Failure(bundle.getBundleId(), bundle.getSymbolicName(), programme, error);
        if (failures.putIfAbsent(bundle.getBundleId(), failure) == null) {
            LOG.error("The {} programme's check from bundle {} is disabled: {}; its records are rejected until the bundle is"
                    + " fixed", programme, bundle.getSymbolicName(), error);
            rebuildAll();
        }
    }

    private void rebuildAll() {
        rebuild(null, null);
    }

    /** @param adding a service being added, which the tracker does not hold yet */
    private synchronized void rebuild(ServiceReference<RecordCheck> adding, RecordCheck addingCheck) {
        Map<String, List<RecordCheck>> next = new HashMap<>();
        Map<ServiceReference<RecordCheck>, RecordCheck> tracked = new HashMap<>(getTracked());
        if (adding != null) {
            tracked.put(adding, addingCheck);
        }
        for (Map.Entry<ServiceReference<RecordCheck>, RecordCheck> entry : tracked.entrySet()) {
            ServiceReference<RecordCheck> reference = entry.getKey();
            Object programme = reference.getProperty(PROGRAMME_PROPERTY);
            RecordCheck check = entry.getValue();
            Bundle bundle = reference.getBundle();
            if (programme == null || check == null || bundle == null || failures.containsKey(bundle.getBundleId())) {
                continue;
            }
            next.computeIfAbsent(programme.toString(), p -> new ArrayList<>()).add(new Guarded(bundle, programme.toString(), check));
        }
        for (Failure failure : failures.values()) {
            next.computeIfAbsent(failure.programme(), p -> new ArrayList<>()).add(new Disabled(failure));
        }
        Map<String, List<RecordCheck>> frozen = new HashMap<>();
        next.forEach((programme, checks) -> frozen.put(programme, List.copyOf(checks)));
        byProgramme = Map.copyOf(frozen);
    }

    @Override
    public List<RecordCheck> apply(String programme) {
        return byProgramme.getOrDefault(programme, List.of());
    }

    /** The disabled checks, by programme id. */
    public Map<String, List<Failure>> failures() {
        Map<String, List<Failure>> byId = new HashMap<>();
        failures.values().forEach(f -> byId.computeIfAbsent(f.programme(), p -> new ArrayList<>()).add(f));
        return byId;
    }

    /** Calls a bundle's check; the first exception disables it. */
    private final class Guarded implements RecordCheck {
        private final Bundle bundle;
        private final String programme;
        private final RecordCheck check;

        Guarded(Bundle bundle, String programme, RecordCheck check) {
            this.bundle = bundle;
            this.programme = programme;
            this.check = check;
        }

        @Override
        public List<Violation> check(ActivityRecord record) {
            try {
                return check.check(record);
            } catch (RuntimeException e) {
                // The exception's class and message only: a check sees pseudonymised keys, never raw refs.
                disable(bundle, programme, "its RecordCheck threw " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                throw e;
            }
        }
    }

    /** Stands in for a disabled check so that the pipeline rejects the programme's records. */
    private static final class Disabled implements RecordCheck {
        private final Failure failure;

        Disabled(Failure failure) {
            this.failure = failure;
        }

        @Override
        public List<Violation> check(ActivityRecord record) {
            throw new IllegalStateException("check of bundle " + failure.bundle() + " is disabled: " + failure.error());
        }
    }
}

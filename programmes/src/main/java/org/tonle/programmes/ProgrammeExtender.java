package org.tonle.programmes;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.model.RouteDefinition;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;
import org.osgi.util.tracker.BundleTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.declaration.DeclarationException;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;

/**
 * The extender: finds programme bundles by their {@code Tonle-Programme} header when they
 * start, reads and checks the declaration, and withdraws exactly that programme when the bundle
 * stops. A bundle with no code at all is a valid programme.
 *
 * <p>An update (a new version of a jar in {@code deploy/}) stops and starts the bundle, so the
 * declaration is read again. A programme bundle that cannot even resolve (a missing import)
 * never starts; the extender records why, so that {@code GET /api/v1/programs} shows it.
 */
public final class ProgrammeExtender extends BundleTracker<ProgrammeRegistry.Entry> {

    public static final String HEADER = "Tonle-Programme";
    private static final Logger LOG = LoggerFactory.getLogger(ProgrammeExtender.class);
    private static final Pattern PACKAGE = Pattern.compile("osgi\\.wiring\\.package=([^)]+)");
    private static final Pattern VERSION = Pattern.compile("\\((!?)\\(?version>=([^)]+)\\)");

    private final ProgrammeRegistry registry;
    private final Predicate<String> deployedHere;
    private final DeclarationReader reader = new DeclarationReader();
    private final ProgrammeRoutes routes;
    private final BundleListener unresolved = this::diagnose;
    private BundleTrust trust;

    /**
     * @param deployedHere whether this node runs a programme id (its offices' deployments)
     */
    public ProgrammeExtender(BundleContext context, ProgrammeRegistry registry, Predicate<String> deployedHere) {
        this(context, registry, deployedHere, null);
    }

    /** @param routes loads the Camel routes programmes declare; {@code null} for none */
    public ProgrammeExtender(BundleContext context, ProgrammeRegistry registry, Predicate<String> deployedHere,
                             ProgrammeRoutes routes) {
        super(context, Bundle.ACTIVE, null);
        this.registry = registry;
        this.deployedHere = deployedHere;
        this.routes = routes;
    }

    /** Shows programme bundles refused by this trust as {@code untrusted}; call before {@link #open()}. */
    public ProgrammeExtender withTrust(BundleTrust trust) {
        this.trust = trust;
        return this;
    }

    @Override
    public void open() {
        context.addBundleListener(unresolved);
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.INSTALLED) {
                diagnose(new BundleEvent(BundleEvent.INSTALLED, bundle));
            }
        }
        super.open();
    }

    @Override
    public void close() {
        context.removeBundleListener(unresolved);
        super.close();
    }

    @Override
    public synchronized ProgrammeRegistry.Entry addingBundle(Bundle bundle, BundleEvent event) {
        String path = bundle.getHeaders().get(HEADER);
        if (path == null) {
            return null;
        }
        String name = bundle.getSymbolicName();
        String version = bundle.getVersion().toString();
        String source = name + "!/" + path;
        Optional<String> untrusted = trust == null ? Optional.empty() : trust.check(bundle);
        if (untrusted.isPresent()) {
            LOG.error("Bundle {} is untrusted: {}", name, untrusted.get());
            return registry.untrusted(bundle.getBundleId(), name, version, "untrusted: " + untrusted.get());
        }
        URL entry = bundle.getEntry(path);
        if (entry == null) {
            return failed(bundle, name, version, source + ": the declaration named by " + HEADER + " is not in the bundle");
        }
        try (InputStream in = entry.openStream()) {
            Programme programme = reader.read(in, source);
            for (String route : programme.routes()) {
                if (bundle.getEntry(route) == null) {
                    return failed(bundle, name, version, source + ": route file " + route + " is not in the bundle");
                }
            }
            if (!deployedHere.test(programme.id())) {
                LOG.info("Programme {} ({}) is not deployed at this node's offices; it stays idle", programme.id(), name);
                return registry.park(bundle.getBundleId(), name, version, programme, "programme '" + programme.id()
                        + "' is not in the deployment of this node's offices");
            }
            List<RouteDefinition> prepared;
            try {
                prepared = routes == null ? List.of() : routes.prepare(bundle, programme);
            } catch (ProgrammeRoutes.RouteRefused e) {
                return failed(bundle, name, version, source + ": " + e.getMessage());
            }
            ProgrammeRegistry.Entry added = registry.add(bundle.getBundleId(), name, version, programme);
            if (added.active() && routes != null) {
                try {
                    routes.start(bundle, programme, prepared);
                } catch (ProgrammeRoutes.RouteRefused e) {
                    return failed(bundle, name, version, source + ": " + e.getMessage());
                }
            }
            if (added.active()) {
                LOG.info("Programme {} is live ({} {}: {} activities, {} indicators)", programme.id(), name, version,
                        programme.activities().size(), programme.indicators().size());
            } else {
                LOG.error("Bundle {} is disabled: {}", name, added.error());
            }
            return added;
        } catch (DeclarationException e) {
            return failed(bundle, name, version, e.getMessage());
        } catch (Exception e) {
            return failed(bundle, name, version, source + ": " + e.getMessage());
        }
    }

    private ProgrammeRegistry.Entry failed(Bundle bundle, String name, String version, String error) {
        LOG.error("Bundle {} is disabled: {}", name, error);
        return registry.fail(bundle.getBundleId(), name, version, error);
    }

    @Override
    public synchronized void removedBundle(Bundle bundle, BundleEvent event, ProgrammeRegistry.Entry entry) {
        if (routes != null) {
            routes.stop(bundle);
        }
        registry.remove(bundle.getBundleId());
        if (entry.programme() != null) {
            LOG.info("Programme {} withdrawn ({} stopped); its data stays in the warehouse", entry.programme().id(), entry.bundle());
        }
    }

    /**
     * Applies changed deployments (offices.yaml, deployments/*.yaml reloaded): a programme now
     * run at one of this node's offices goes live, with its routes; one no longer run here is
     * withdrawn to {@code not_deployed} (its bundle stays installed, its data in the warehouse).
     */
    public synchronized void redeploy() {
        for (Bundle bundle : getTracked().keySet()) {
            ProgrammeRegistry.Entry entry = registry.entries().stream().filter(e -> e.bundleId() == bundle.getBundleId())
                    .findFirst().orElse(null);
            if (entry == null || entry.programme() == null) {
                continue; // failed declarations stay as they are until their bundle changes
            }
            String id = entry.programme().id();
            boolean wanted = deployedHere.test(id);
            if (wanted && "not_deployed".equals(entry.state())) {
                addingBundle(bundle, null);
            } else if (!wanted && entry.active()) {
                // Parked first: its records are refused from now on, while its routes stop.
                registry.park(bundle.getBundleId(), entry.bundle(), entry.version(), entry.programme(), "programme '" + id
                        + "' is not in the deployment of this node's offices");
                if (routes != null) {
                    routes.stop(bundle);
                }
                LOG.info("Programme {} withdrawn: no office of this node runs it any more; its data stays in the warehouse", id);
            }
        }
    }

    /**
     * A programme bundle that is installed (or updated) but does not resolve stays INSTALLED
     * without any further event: record the imports nobody exports. Uninstalling forgets it.
     */
    private void diagnose(BundleEvent event) {
        Bundle bundle = event.getBundle();
        if (bundle.getHeaders().get(HEADER) == null) {
            return;
        }
        switch (event.getType()) {
            case BundleEvent.UNINSTALLED -> registry.remove(bundle.getBundleId());
            case BundleEvent.INSTALLED, BundleEvent.UPDATED, BundleEvent.UNRESOLVED -> {
                Optional<String> untrusted = trust == null ? Optional.empty() : trust.check(bundle);
                if (untrusted.isPresent()) {
                    registry.untrusted(bundle.getBundleId(), bundle.getSymbolicName(), bundle.getVersion().toString(),
                            "untrusted: " + untrusted.get());
                    return;
                }
                List<String> missing = missingImports(bundle);
                if (!missing.isEmpty()) {
                    failed(bundle, bundle.getSymbolicName(), bundle.getVersion().toString(), "cannot be resolved: it imports "
                            + String.join(", ", missing) + ", which neither the host nor any installed bundle exports");
                }
            }
            default -> {
            }
        }
    }

    /** The non-optional package imports of a bundle that no bundle, nor the host, can satisfy. */
    private List<String> missingImports(Bundle bundle) {
        List<String> missing = new ArrayList<>();
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        if (revision == null || wiring == null) {
            return missing;
        }
        for (BundleRequirement requirement : revision.getDeclaredRequirements(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (Namespace.RESOLUTION_OPTIONAL.equals(requirement.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))) {
                continue;
            }
            if (wiring.findProviders(requirement).isEmpty()) {
                missing.add(describe(requirement.getDirectives().getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "?")));
            }
        }
        return missing;
    }

    /** {@code (&(osgi.wiring.package=a.b)(version>=1.0.0)(!(version>=2.0.0)))} as {@code a.b [1.0.0,2.0.0)}. */
    static String describe(String filter) {
        Matcher name = PACKAGE.matcher(filter);
        if (!name.find()) {
            return filter;
        }
        String floor = null;
        String ceiling = null;
        Matcher version = VERSION.matcher(filter);
        while (version.find()) {
            if (version.group(1).isEmpty()) {
                floor = version.group(2);
            } else {
                ceiling = version.group(2);
            }
        }
        String range = floor == null ? "" : ceiling == null ? " version " + floor + " or later" : " [" + floor + "," + ceiling + ")";
        return "package " + name.group(1) + range;
    }
}

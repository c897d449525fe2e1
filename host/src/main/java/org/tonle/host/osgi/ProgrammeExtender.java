package org.tonle.host.osgi;

import java.io.InputStream;
import java.net.URL;
import java.util.function.Predicate;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
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
 */
public final class ProgrammeExtender extends BundleTracker<ProgrammeRegistry.Entry> {

    public static final String HEADER = "Tonle-Programme";
    private static final Logger LOG = LoggerFactory.getLogger(ProgrammeExtender.class);

    private final ProgrammeRegistry registry;
    private final Predicate<String> deployedHere;
    private final DeclarationReader reader = new DeclarationReader();

    /**
     * @param deployedHere whether this node runs a programme id (its offices' deployments)
     */
    public ProgrammeExtender(BundleContext context, ProgrammeRegistry registry, Predicate<String> deployedHere) {
        super(context, Bundle.ACTIVE, null);
        this.registry = registry;
        this.deployedHere = deployedHere;
    }

    @Override
    public ProgrammeRegistry.Entry addingBundle(Bundle bundle, BundleEvent event) {
        String path = bundle.getHeaders().get(HEADER);
        if (path == null) {
            return null;
        }
        String name = bundle.getSymbolicName();
        String version = bundle.getVersion().toString();
        String source = name + "!/" + path;
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
            ProgrammeRegistry.Entry added = registry.add(bundle.getBundleId(), name, version, programme);
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
    public void removedBundle(Bundle bundle, BundleEvent event, ProgrammeRegistry.Entry entry) {
        registry.remove(bundle.getBundleId());
        if (entry.programme() != null) {
            LOG.info("Programme {} withdrawn ({} stopped); its data stays in the warehouse", entry.programme().id(), entry.bundle());
        }
    }
}

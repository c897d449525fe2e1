package org.tonle.programmes;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.programme.api.RecordPublisher;

/**
 * The embedded Apache Felix framework. Camel, DuckDB and Jersey stay on the host class path;
 * bundles see only the programme API packages, exported by the system bundle at their
 * declared versions. Jars in {@code <data>/deploy} are hot deployed by Felix FileInstall.
 */
public final class OsgiFramework implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OsgiFramework.class);
    private static final long STOP_TIMEOUT_MS = 10_000;

    private static final long TRUST_POLL_MS = 1_000;

    private final Framework framework;
    private final Path deploy;
    private final BundleTrust trust;
    private final ScheduledExecutorService trustWatcher;

    private OsgiFramework(Framework framework, Path deploy, BundleTrust trust) {
        this.framework = framework;
        this.deploy = deploy;
        this.trust = trust;
        this.trustWatcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "tonle-bundle-trust");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A jar in the deploy folder that FileInstall will not install, and why. */
    public record Refused(String file, String error) {
    }

    /**
     * Starts Felix, installs the distribution's bundles and starts them. A bundle that fails to
     * install or resolve is reported in the registry (when it declares a programme) and skipped;
     * the node goes on. Only trusted bundles may run code ({@link BundleTrust}): the trust in
     * {@code config} is checked before any bundle resolves, the distribution's bundles (in the
     * folder of {@code bundles}) are trusted.
     */
    public static OsgiFramework start(Path storage, List<Path> bundles, Path deploy, ProgrammeRegistry registry, Path config,
                                      Path distribution) {
        Map<String, String> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, storage.toAbsolutePath().toString());
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, apiExports());
        // Resolved on the calling thread: Felix's parallel resolver keeps a pool whose threads it
        // never stops (they outlive the framework by a minute), for a handful of bundles that
        // resolve in milliseconds on a machine whose second core is busy compiling at start.
        properties.put("felix.resolver.parallelism", "1");
        properties.put("felix.fileinstall.dir", deploy.toAbsolutePath().toString());
        properties.put("felix.fileinstall.poll", "300");
        properties.put("felix.fileinstall.noInitialDelay", "true");
        properties.put("felix.fileinstall.bundles.new.start", "true");
        properties.put("felix.fileinstall.bundles.updateWithListeners", "true");
        properties.put("felix.fileinstall.log.level", "2");
        try {
            Files.createDirectories(deploy);
            FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
            Framework framework = factory.newFramework(properties);
            framework.init();
            try {
                return started(framework, config, storage, distribution, deploy, bundles, registry);
            } catch (BundleException | RuntimeException e) {
                // Felix's threads (the resolver's pool, the start level's) live until it stops.
                stop(framework);
                throw e;
            }
        } catch (BundleException | IOException e) {
            throw new IllegalStateException("cannot start the OSGi framework: " + e.getMessage(), e);
        }
    }

    /** The initialised framework with its trust, started, and the distribution's bundles installed and started. */
    private static OsgiFramework started(Framework framework, Path config, Path storage, Path distribution, Path deploy,
                                         List<Path> bundles, ProgrammeRegistry registry) throws BundleException {
        BundleTrust trust = new BundleTrust(config, storage, distribution);
        BundleContext system = framework.getBundleContext();
        system.registerService(ResolverHookFactory.class, trust, null);
        system.registerService(WeavingHook.class, trust, null);
        system.addBundleListener((SynchronousBundleListener) event -> {
            if (event.getType() == BundleEvent.UNINSTALLED) {
                trust.forget(event.getBundle().getBundleId());
            } else if (event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.UPDATED) {
                trust.check(event.getBundle());
            }
        });
        framework.start();
        OsgiFramework osgi = new OsgiFramework(framework, deploy, trust);
        osgi.installAll(bundles, registry);
        osgi.trustWatcher.scheduleWithFixedDelay(osgi::retrustIfChanged, TRUST_POLL_MS, TRUST_POLL_MS, TimeUnit.MILLISECONDS);
        return osgi;
    }

    private void installAll(List<Path> jars, ProgrammeRegistry registry) {
        BundleContext context = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : jars) {
            try {
                installed.add(context.installBundle(jar.toUri().toString()));
            } catch (BundleException e) {
                LOG.error("Cannot install bundle {}: {}", jar.getFileName(), e.getMessage());
            }
        }
        for (Bundle bundle : installed) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            try {
                bundle.start();
            } catch (BundleException e) {
                String message = "bundle " + bundle.getSymbolicName() + " cannot start: " + e.getMessage();
                LOG.error(message);
                if (bundle.getHeaders().get(ProgrammeExtender.HEADER) != null) {
                    registry.fail(bundle.getBundleId(), bundle.getSymbolicName(), bundle.getVersion().toString(), message);
                }
            }
        }
    }

    /**
     * When {@code trusted-bundles.yaml} or {@code trust/} changed, starts the bundles refused
     * before that are trusted now.
     */
    void retrustIfChanged() {
        try {
            if (!trust.reloadIfChanged()) {
                return;
            }
            for (long id : trust.refusedBundles()) {
                Bundle bundle = context().getBundle(id);
                if (bundle == null) {
                    trust.forget(id);
                } else if (trust.check(bundle).isEmpty() && bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    LOG.info("Bundle {} is trusted now; starting it", bundle.getSymbolicName());
                    if (bundle.getState() == Bundle.ACTIVE) {
                        bundle.stop(Bundle.STOP_TRANSIENT); // it needed nothing, so it started without its code
                    }
                    bundle.start();
                }
            }
        } catch (BundleException | RuntimeException e) {
            LOG.error("Cannot start a newly trusted bundle: {}", e.getMessage());
        }
    }

    /** Bundle trust: why a bundle is not allowed to run code. */
    public BundleTrust trust() {
        return trust;
    }

    public BundleContext context() {
        return framework.getBundleContext();
    }

    /** Offers the ingest pipeline to bundles as their {@link RecordPublisher}. */
    public void register(RecordPublisher publisher) {
        context().registerService(RecordPublisher.class, publisher, null);
    }

    public Bundle[] bundles() {
        return context().getBundles();
    }

    /**
     * The jars in the deploy folder that are not OSGi bundles. FileInstall passes over them
     * without a word, so the node says why they do nothing.
     */
    public List<Refused> refusedJars() {
        List<Refused> refused = new ArrayList<>();
        try (var files = Files.list(deploy)) {
            for (Path jar : files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                String name = jar.getFileName().toString();
                try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
                    Manifest manifest = in.getManifest();
                    if (manifest == null) {
                        refused.add(new Refused(name, name + " is not an OSGi bundle: it has no META-INF/MANIFEST.MF"));
                    } else if (manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) == null) {
                        refused.add(new Refused(name, name + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName"
                                + " (a programme needs Bundle-ManifestVersion: 2, Bundle-SymbolicName, Bundle-Version and"
                                + " Tonle-Programme; see docs/PLUGINS.md)"));
                    }
                } catch (IOException e) {
                    refused.add(new Refused(name, name + " cannot be read as a jar: " + e.getMessage()));
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot list the deploy folder {}: {}", deploy, e.getMessage());
        }
        return refused;
    }

    /**
     * {@code org.tonle.programme.api;version=1.0.0}, read from the API bundle's own manifest so
     * that the versions bnd computed from package-info are the ones exported.
     */
    static String apiExports() {
        URL location = RecordPublisher.class.getProtectionDomain().getCodeSource().getLocation();
        try {
            Path path = Path.of(location.toURI());
            Manifest manifest;
            if (Files.isDirectory(path)) {
                try (InputStream in = Files.newInputStream(path.resolve("META-INF/MANIFEST.MF"))) {
                    manifest = new Manifest(in);
                }
            } else {
                try (JarInputStream jar = new JarInputStream(Files.newInputStream(path))) {
                    manifest = jar.getManifest();
                }
            }
            String exports = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
            if (exports == null) {
                throw new IllegalStateException("the programme API at " + path + " has no Export-Package header");
            }
            return exports;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the programme API's exports: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        trustWatcher.shutdownNow();
        stop(framework);
    }

    private static void stop(Framework framework) {
        try {
            framework.stop();
            framework.waitForStop(STOP_TIMEOUT_MS);
        } catch (BundleException | InterruptedException e) {
            LOG.warn("The OSGi framework did not stop cleanly: {}", e.getMessage());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package org.tonle.host.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.ConfigException;
import org.tonle.core.config.FileStamp;
import org.tonle.core.config.TonleConfig;

/**
 * Reloads {@code offices.yaml} and {@code deployments/*.yaml} when they change, like
 * {@code access.yaml}: a programme added to an office's deployment goes live there, one removed
 * is withdrawn, without a restart. The files are looked at four times a second (a few stats), so
 * a change is live well within two seconds. A file that cannot be used leaves the last good
 * deployments in force and says so in the log and in {@code GET /api/v1/status}.
 */
public final class DeploymentService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentService.class);
    static final long INTERVAL_MILLIS = 250;

    private final Path directory;
    private final String office;
    private final Supplier<TonleConfig> current;
    private final Consumer<TonleConfig> apply;
    private final ScheduledExecutorService watcher;
    private volatile List<String> stamp;
    private volatile Instant reloadedAt;
    private volatile String problem;
    private volatile Instant problemSince;

    /**
     * @param office the node's --office (it then runs only that office's deployment), or null
     * @param apply  makes a reloaded configuration the node's (called on the watcher's thread)
     */
    public DeploymentService(Path directory, String office, Supplier<TonleConfig> current, Consumer<TonleConfig> apply) {
        this.directory = directory;
        this.office = office;
        this.current = current;
        this.apply = apply;
        this.stamp = stamp();
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tonle-deployments-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Reloads if a deployment file changed since the last look; whether it applied a new configuration. */
    public synchronized boolean reloadIfChanged() {
        List<String> now = stamp();
        if (now.equals(stamp)) {
            return false;
        }
        stamp = now;
        try {
            TonleConfig reloaded = current.get().withDeploymentsReloaded();
            if (office != null) {
                reloaded = reloaded.forOffice(office);
            }
            TonleConfig before = current.get();
            if (problem != null) {
                LOG.info("Deployments usable again");
            }
            // Cleared first: whoever sees the new deployments in force never sees the old error.
            problem = null;
            problemSince = null;
            apply.accept(reloaded);
            reloadedAt = Instant.now();
            LOG.info("Deployments reloaded: {} (were {})", reloaded.deployments(), before.deployments());
            return true;
        } catch (ConfigException | IllegalArgumentException e) {
            problem = e.getMessage();
            problemSince = Instant.now();
            LOG.error("Deployments NOT reloaded, the last good ones stay in force: {}", e.getMessage());
            return false;
        } catch (RuntimeException e) {
            problem = "applying the new deployments failed: " + e.getMessage();
            problemSince = Instant.now();
            LOG.error("Applying the reloaded deployments failed: {}", e.getMessage(), e);
            return false;
        }
    }

    /** Name, size and modification time of every file that makes the deployments. */
    private List<String> stamp() {
        List<String> parts = new ArrayList<>();
        add(parts, directory.resolve("offices.yaml"));
        Path deployments = directory.resolve("deployments");
        if (Files.isDirectory(deployments)) {
            try (Stream<Path> files = Files.list(deployments)) {
                files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().forEach(f -> add(parts, f));
            } catch (IOException e) {
                parts.add("unreadable " + deployments);
            }
        }
        return parts;
    }

    private static void add(List<String> parts, Path file) {
        parts.add(file.getFileName() + " " + FileStamp.of(file));
    }

    /** For {@code GET /api/v1/status}. */
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", problem == null ? "ok" : "error");
        status.put("deployments", current.get().deployments());
        if (reloadedAt != null) {
            status.put("reloaded_at", reloadedAt.toString());
        }
        if (problem != null) {
            status.put("error", problem + " (the last good deployments stay in force)");
            status.put("error_since", problemSince.toString());
        }
        return status;
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        try {
            watcher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package org.tonle.host.service;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.Settings;
import org.tonle.core.RequestRefused;
import org.tonle.pipelines.GroupCommitWriter;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.backup.BackupException;
import org.tonle.warehouse.backup.BackupWriter;
import org.tonle.warehouse.backup.Manifest;
import org.tonle.warehouse.backup.OpenPgp;
import org.tonle.warehouse.backup.Secret;

/**
 * Online backups of this node (docs/OPERATIONS.md): one consistent point, taken between two
 * submissions of the pipeline's writer so that none is half in, then read from that DuckDB
 * snapshot while records keep being committed. The archive (Parquet per table, a manifest,
 * the escrowed pseudonymisation key) is sealed as an OpenPGP message on its way out; nothing is
 * kept on disk but the Parquet staging files (encrypted where the warehouse is), deleted as soon
 * as they are copied (and at the next start, after a kill).
 */
public final class BackupService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    static final String PREFIX = "tonle-backup-";
    static final String SUFFIX = ".pgp";

    private final Warehouse warehouse;
    private final GroupCommitWriter load;
    private final Path keyFile;
    private final Path staging;
    private final AuditLog audit;
    private final ReentrantLock running = new ReentrantLock();
    private volatile Map<String, Object> last = Map.of();
    private ScheduledExecutorService schedule;
    private volatile String scheduleProblem;

    /**
     * @param staging a folder inside the data folder (DuckDB writes the Parquet files only there)
     */
    public BackupService(Warehouse warehouse, GroupCommitWriter load, Path keyFile, Path staging, AuditLog audit) {
        this.warehouse = warehouse;
        this.load = load;
        this.keyFile = keyFile;
        this.staging = staging;
        this.audit = audit;
        // Left by a backup the node was killed in: clear copies, never a backup.
        BackupWriter.deleteTree(staging);
    }

    /** A backup that holds the one-at-a-time lock until it is written (or abandoned). */
    public final class Job {
        private final Secret secret;
        private final String principal;
        private boolean used;

        private Job(Secret secret, String principal) {
            this.secret = secret;
            this.principal = principal;
        }

        /** Writes the sealed archive to {@code out} (not closed) and releases the lock. */
        public Manifest writeTo(OutputStream out) {
            if (used) {
                throw new IllegalStateException("a backup job runs once");
            }
            used = true;
            long started = System.nanoTime();
            try {
                Manifest manifest = write(secret, out);
                long records = manifest.rows("record_version");
                last = Map.of("at", Instant.now().toString(), "by", principal, "ok", true, "record_versions", records,
                        "millis", (System.nanoTime() - started) / 1_000_000);
                audit.record(principal, "admin", "backup", "POST /api/v1/backup", "{\"secret\":\"" + secret.describe() + "\"}", records);
                LOG.info("Backup taken for {}: {} record versions, {} tables, in {} ms", principal, records, manifest.tables().size(),
                        (System.nanoTime() - started) / 1_000_000);
                return manifest;
            } catch (RuntimeException e) {
                last = Map.of("at", Instant.now().toString(), "by", principal, "ok", false, "error", String.valueOf(e.getMessage()));
                LOG.error("Backup for {} failed: {}", principal, e.getMessage());
                throw e;
            } finally {
                running.unlock();
            }
        }

        /** Releases the lock of a job that will not be written. */
        public void abandon() {
            if (!used) {
                used = true;
                running.unlock();
            }
        }
    }

    /** One backup at a time: a second asked for meanwhile is refused (409) rather than queued. */
    public Job start(Secret secret, String principal) {
        if (!running.tryLock()) {
            throw RequestRefused.conflict("a backup is already running; ask again when it is done");
        }
        return new Job(secret, principal);
    }

    private Manifest write(Secret secret, OutputStream out) {
        byte[] key;
        try {
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            throw new BackupException("cannot read the pseudonymisation key " + keyFile + ": " + e.getMessage(), e);
        }
        Connection snapshot = load.betweenSubmissions(this::snapshot);
        try {
            try (OutputStream sealed = OpenPgp.encrypt(out, secret, "tonle-backup.zip")) {
                return BackupWriter.write(snapshot, staging, key, warehouse.encrypted(), sealed);
            }
        } catch (IOException e) {
            throw new BackupException("cannot write the backup: " + e.getMessage(), e);
        } finally {
            try (Statement s = snapshot.createStatement()) {
                s.execute("ROLLBACK");
            } catch (SQLException e) {
                LOG.debug("Ending the backup's snapshot: {}", e.getMessage());
            }
            try {
                snapshot.close();
            } catch (SQLException e) {
                LOG.debug("Closing the backup's snapshot: {}", e.getMessage());
            }
        }
    }

    /** A connection in a transaction whose snapshot is taken now (DuckDB takes it at the first read). */
    private Connection snapshot() {
        Connection c = warehouse.connect();
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN TRANSACTION");
            s.executeQuery("SELECT count(*) FROM record_version WHERE false").close();
            return c;
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the first failure is the one to report
            }
            throw new BackupException("cannot take the backup's snapshot: " + e.getMessage(), e);
        }
    }

    /**
     * Scheduled backups into {@code settings.folder()}, every {@code settings.every()}, keeping
     * the newest {@code settings.keep()}. Sealed for {@code settings.recipient()} or with the
     * node's {@code TONLE_BACKUP_PASSPHRASE}; without either, the schedule says so loudly and
     * takes none.
     */
    public void schedule(Settings.Backup settings, Path configDirectory, String passphrase) {
        if (settings.folder().isEmpty()) {
            return;
        }
        Path folder = configDirectory.resolve(settings.folder());
        Secret secret;
        try {
            secret = settings.recipient().isEmpty() ? Secret.passphrase(passphrase) : Secret.recipient(configDirectory.resolve(settings.recipient()));
        } catch (BackupException e) {
            scheduleProblem = "scheduled backups are configured but cannot run: " + e.getMessage();
            LOG.error("{}", scheduleProblem);
            return;
        }
        long every = settings.interval().toMillis();
        schedule = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tonle-backup-schedule");
            t.setDaemon(true);
            return t;
        });
        schedule.scheduleWithFixedDelay(() -> scheduled(folder, secret, settings.keep()), every, every, TimeUnit.MILLISECONDS);
        LOG.info("Scheduled backups into {} every {} (keeping {}), sealed with {}", folder, settings.every(), settings.keep(), secret.describe());
    }

    /** One scheduled backup: written beside its final name, moved into place whole, then old ones pruned. */
    Path scheduled(Path folder, Secret secret, int keep) {
        Path part = null;
        try {
            Files.createDirectories(folder);
            Path target = folder.resolve(PREFIX + STAMP.format(Instant.now()) + SUFFIX);
            part = folder.resolve(target.getFileName() + ".part");
            Job job = start(secret, "schedule");
            try (OutputStream out = Files.newOutputStream(part)) {
                job.writeTo(out);
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target);
            }
            prune(folder, keep);
            scheduleProblem = null;
            return target;
        } catch (IOException | RuntimeException e) {
            scheduleProblem = "the last scheduled backup failed: " + e.getMessage();
            LOG.error("Scheduled backup into {} failed: {}", folder, e.getMessage());
            if (part != null) {
                part.toFile().delete();
            }
            return null;
        }
    }

    /** Deletes all but the newest {@code keep} backups (their names sort by time). */
    static void prune(Path folder, int keep) throws IOException {
        List<Path> backups;
        try (Stream<Path> files = Files.list(folder)) {
            backups = files.filter(p -> p.getFileName().toString().startsWith(PREFIX) && p.getFileName().toString().endsWith(SUFFIX))
                    .sorted().toList();
        }
        for (int i = 0; i < backups.size() - keep; i++) {
            Files.deleteIfExists(backups.get(i));
            LOG.info("Old backup {} deleted (keeping the newest {})", backups.get(i).getFileName(), keep);
        }
    }

    /** For {@code GET /api/v1/status}: the last backup and the schedule's state. */
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("last", last);
        status.put("scheduled", schedule != null);
        if (scheduleProblem != null) {
            status.put("problem", scheduleProblem);
        }
        return status;
    }

    @Override
    public void close() {
        if (schedule != null) {
            schedule.shutdownNow();
            try {
                schedule.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package org.tonle.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.stream.Stream;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.warehouse.CommitListener;
import org.tonle.warehouse.FactRow;
import org.tonle.warehouse.Warehouse;

/**
 * The analyst snapshot: a DuckDB file of its own that holds the analytics views, each
 * materialised as a table of the same name, and nothing else. Analyst workers read it; they never
 * open the warehouse (DuckDB lets one process write a file and no other open it meanwhile), and
 * a worker could not reach a raw table, a secret or a file through it even if the sandbox let
 * something through.
 *
 * <p>Freshness: an answer holds every record commit made before its statement arrived. The
 * node's record store tells this object of every commit ({@link #counting}); a statement that
 * finds commits the published snapshot does not hold waits for a new one (one copy serves
 * every statement waiting), and while analysts are at work ({@link #ACTIVE} since the last
 * statement) commits are published in the background once they have been still for
 * {@link #DEBOUNCE} (or kept coming for {@link #MAX_DELAY}), so statements seldom wait.
 * Changes that are no record commit (offices, programmes, declarations, the date the calendar
 * ends at) are found by a fingerprint of what the views read ({@code fingerprint.sql}), looked
 * at every {@link #FINGERPRINT_EVERY}. Each snapshot is written in full under a new generation
 * folder, checkpointed and closed before it is published, so a worker never sees a half-written
 * file; the generation before it is kept, and any generation a statement has leased ({@link #lease})
 * until it is released; older ones are deleted.
 */
public final class AnalystSnapshots implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AnalystSnapshots.class);
    static final Duration DEBOUNCE = Duration.ofMillis(500);
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    static final Duration FINGERPRINT_EVERY = Duration.ofSeconds(10);
    static final Duration ACTIVE = Duration.ofMinutes(10);
    /**
     * Background copies take at most this share of the time: under steady ingest a copy of a
     * large warehouse (tens of seconds at 10 M records) would otherwise run back to back and take
     * a core from the writer (bin/bench soak, docs/PERFORMANCE.md "Memory").
     */
    static final int BACKGROUND_DUTY_DIVISOR = 5;
    /** More changed records than this since the last snapshot: a full copy is cheaper. */
    static final int MAX_INCREMENTAL = 250_000;
    private static final String FINGERPRINT = resource("fingerprint.sql");

    /**
     * A published snapshot.
     *
     * @param file    the DuckDB file (named after the warehouse's catalogue, so the sandbox's
     *                qualified names resolve in it)
     * @param asOf    an instant before its copy began: it holds every commit before it
     * @param commits the record commits counted before its copy began (it holds them all)
     */
    public record Snapshot(long generation, Path file, Instant asOf, long commits, String fingerprint) {
    }

    private final Warehouse warehouse;
    private final Duration maxAge;
    private final List<String> views;
    private final Path folder;
    private final String catalog;
    private final Deque<Snapshot> kept = new ArrayDeque<>();
    /** Guarded by {@link #kept}: statements reading each generation, and generations past the kept two still leased. */
    private final Map<Long, Integer> leases = new HashMap<>();
    private final List<Snapshot> retired = new ArrayList<>();
    private final AtomicLong commits = new AtomicLong();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sql-snapshot");
        t.setDaemon(true);
        return t;
    });
    private volatile Snapshot published;
    private volatile long lastUse;
    private long generation;
    private long seenCommits = -1;
    private long seenSince;
    private long fingerprintAt;
    private volatile long backgroundNotBefore;
    private volatile Statement copying;
    private volatile boolean closed;
    /** The views with a record_id: copied incrementally, the records changed since the last snapshot. */
    private final Set<String> recordViews;
    /** Guards {@link #changed} and {@link #overflowed} together with the count of {@link #commits}. */
    private final Object changes = new Object();
    private Set<UUID> changed = new HashSet<>();
    private boolean overflowed;
    /**
     * False until the first snapshot begins: a node whose analysts send no statement keeps no
     * set of changed records on its writer's path (the first snapshot is a full copy anyway).
     */
    private boolean tracking;
    private volatile boolean lastIncremental;
    /** Null where the warehouse is plain; else the key every snapshot of this run is encrypted with. */
    private final SnapshotKey key;

    /**
     * Publishes nothing yet: the first snapshot is made for the first statement, and from then
     * on the warehouse is watched (a node whose analysts send no statement makes none).
     *
     * @param folder a folder of the snapshots' own inside DuckDB's allowed directories
     *               (the warehouse's spill folder): the warehouse's instance writes them there
     */
    public AnalystSnapshots(Warehouse warehouse, List<String> views, Path folder) {
        this(warehouse, views, folder, Duration.ZERO);
    }

    /**
     * @param maxAge while commits keep coming, a statement may be answered from a snapshot this
     *               old instead of waiting for a copy (zero: never); at 10 M records a copy takes
     *               tens of seconds, so under steady ingest every statement would wait that long
     */
    public AnalystSnapshots(Warehouse warehouse, List<String> views, Path folder, Duration maxAge) {
        this.maxAge = maxAge;
        this.warehouse = warehouse;
        this.views = List.copyOf(views);
        this.folder = folder;
        // The snapshots hold record-level views: encrypted at rest as the warehouse is (DESIGN.md 2, 9).
        this.key = warehouse.encrypted() ? SnapshotKey.random() : null;
        try {
            deleteTree(folder);
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the analyst snapshot folder " + folder, e);
        }
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT current_database()")) {
                rs.next();
                this.catalog = rs.getString(1);
            }
            Set<String> withIds = new HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM duckdb_columns() WHERE database_name = current_database()"
                    + " AND schema_name = 'main' AND column_name = 'record_id'")) {
                while (rs.next()) {
                    withIds.add(rs.getString(1));
                }
            }
            withIds.retainAll(this.views);
            this.recordViews = Set.copyOf(withIds);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the warehouse catalogue: " + e.getMessage(), e);
        }
    }

    /**
     * The record store's commit listener: {@code inner} (the indicator cube), and a count of
     * commits that tells a statement whether the published snapshot holds them all.
     */
    public CommitListener counting(CommitListener inner) {
        return new CommitListener() {
            @Override
            public Lock commitLock() {
                return inner.commitLock();
            }

            @Override
            public void committed(List<FactRow> removed, List<FactRow> added) {
                try {
                    inner.committed(removed, added);
                } finally {
                    synchronized (changes) {
                        note(removed);
                        note(added);
                        commits.incrementAndGet();
                    }
                }
            }
        };
    }

    /** Called holding {@link #changes}. */
    private void note(List<FactRow> facts) {
        if (!tracking || overflowed) {
            return;
        }
        for (FactRow fact : facts) {
            changed.add(fact.recordId());
        }
        if (changed.size() > MAX_INCREMENTAL) {
            overflowed = true;
            changed = new HashSet<>();
        }
    }

    /**
     * As {@link #current}, and the snapshot's file stays on disk until {@link #release}: a
     * statement may wait for a worker while newer snapshots are published (they come every few
     * seconds under steady ingest), and must still find the file it was given.
     */
    public Snapshot lease() {
        while (true) {
            Snapshot snapshot = current();
            synchronized (kept) {
                if (kept.contains(snapshot)) {
                    leases.merge(snapshot.generation(), 1, Integer::sum);
                    return snapshot;
                }
            }
            // deleted between current() and here: two newer ones were published meanwhile; take the newest
        }
    }

    /** Ends a {@link #lease}; a generation no longer kept is deleted with its last lease. */
    public void release(Snapshot snapshot) {
        synchronized (kept) {
            if (leases.merge(snapshot.generation(), -1, Integer::sum) > 0) {
                return;
            }
            leases.remove(snapshot.generation());
            if (retired.remove(snapshot)) {
                try {
                    deleteTree(snapshot.file().getParent());
                } catch (IOException e) {
                    LOG.warn("Could not delete the analyst snapshot {}: {}", snapshot.file(), e.getMessage());
                }
            }
        }
    }

    /**
     * The key the snapshots are encrypted with, as DuckDB's ENCRYPTION_KEY takes it, or null
     * where the warehouse is plain: for the analyst workers (over their standard input) only.
     */
    String keyText() {
        return key == null ? null : key.text();
    }

    /**
     * Whether the node's configuration accepts DuckDB's built-in crypto module for the encrypted
     * snapshots' spill where httpfs (OpenSSL) does not load (warehouse.encryption.builtin_crypto):
     * the node's own decision, handed to the analyst workers with each statement.
     */
    boolean builtinCrypto() {
        return warehouse.builtinCryptoAccepted();
    }

    /** The views copied record by record in an incremental snapshot (for tests). */
    Set<String> recordViews() {
        return recordViews;
    }

    /** Whether the last snapshot published was made incrementally (for tests). */
    boolean lastWasIncremental() {
        return lastIncremental;
    }

    /** Whether a copy is under way (for tests). */
    boolean copying() {
        return copying != null;
    }

    /** The published snapshot, without looking at the warehouse; null before the first statement. */
    public Snapshot published() {
        return published;
    }

    /**
     * A snapshot that holds every record commit made before the call: the published one, or,
     * when commits came since, a new one; or the published one while it is younger than the
     * configured maximum age. Costs nothing when no commit came.
     */
    public Snapshot current() {
        lastUse = System.nanoTime();
        Snapshot now = published;
        if (now != null && (now.commits() == commits.get() || youngEnough(now))) {
            return now;
        }
        synchronized (this) {
            if (published == null) {
                publish();
                long every = DEBOUNCE.toMillis() / 2;
                try {
                    watcher.scheduleWithFixedDelay(this::watch, every, every, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopped) {
                    throw new IllegalStateException("the analyst snapshot is closed: the node is stopping", stopped);
                }
            } else if (published.commits() != commits.get() && !youngEnough(published)) {
                publish();
            }
            return published;
        }
    }

    private boolean youngEnough(Snapshot snapshot) {
        return !maxAge.isZero() && Duration.between(snapshot.asOf(), Instant.now()).compareTo(maxAge) <= 0;
    }

    /**
     * While analysts are at work: publishes commits once they have been still for a debounce
     * (or kept coming for the longest delay), and any other change the fingerprint shows.
     */
    private void watch() {
        try {
            long now = System.nanoTime();
            if (now - lastUse > ACTIVE.toNanos()) {
                return;
            }
            long counted = commits.get();
            boolean due = false;
            if (counted == published.commits()) {
                seenCommits = -1;
            } else {
                if (counted != seenCommits) {
                    if (seenCommits == -1 || seenCommits == published.commits()) {
                        seenSince = now;
                    }
                    seenCommits = counted;
                    due = now - seenSince >= MAX_DELAY.toNanos();
                } else {
                    due = true;
                }
            }
            if (!due && now - fingerprintAt >= FINGERPRINT_EVERY.toNanos()) {
                fingerprintAt = now;
                due = !fingerprint().equals(published.fingerprint());
            }
            if (due && now >= backgroundNotBefore) {
                long started = System.nanoTime();
                synchronized (this) {
                    publish();
                }
                long took = System.nanoTime() - started;
                backgroundNotBefore = System.nanoTime() + took * (BACKGROUND_DUTY_DIVISOR - 1);
                seenCommits = -1;
            }
        } catch (RuntimeException e) {
            LOG.warn("The analyst snapshot was not refreshed: {}", e.getMessage());
        }
    }

    private String fingerprint() {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(FINGERPRINT)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the warehouse's fingerprint: " + e.getMessage(), e);
        }
    }

    /**
     * Writes every analytics view into a new file in one transaction of the warehouse (so the
     * tables agree with each other and with the fingerprint), and publishes it. Incrementally
     * where it can: a copy of the previous file, in which the views with a record id get the
     * rows of the records changed since (deleted, then read again from the view), and the small
     * views are copied whole; in full for the first snapshot, after the dimensions or the date
     * changed (they change what the views select), or past {@link #MAX_INCREMENTAL} changed
     * records. Called holding this object's lock.
     */
    private Snapshot publish() {
        if (closed) {
            throw new IllegalStateException("the analyst snapshot is closed: the node is stopping");
        }
        long started = System.nanoTime();
        long next = ++generation;
        Path dir = folder.resolve(Long.toString(next));
        Path file = dir.resolve(catalog + ".duckdb");
        String alias = "tonle_analyst_snapshot_" + next;
        // Taken before the transaction begins: it then holds every commit counted here, maybe more;
        // records changed by those later commits are copied again next time.
        long counted;
        Set<UUID> records;
        boolean everything;
        synchronized (changes) {
            // From here on every commit's records are noted for the next snapshot; the ones
            // before are in this copy's transaction, which begins after this block.
            tracking = true;
            counted = commits.get();
            records = changed;
            everything = overflowed;
            changed = new HashSet<>();
            overflowed = false;
        }
        Snapshot previous = published;
        boolean incremental = !everything && previous != null && Files.exists(previous.file());
        boolean done = false;
        try {
            Files.createDirectories(dir);
            if (incremental) {
                Files.copy(previous.file(), file);
            }
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                copying = s;
                attach(s, file, alias);
                String fingerprint;
                Instant asOf = Instant.now();
                try {
                    s.execute("BEGIN TRANSACTION");
                    try (ResultSet rs = s.executeQuery(FINGERPRINT)) {
                        rs.next();
                        fingerprint = rs.getString(1);
                    }
                    incremental = incremental && sameDimensions(previous.fingerprint(), fingerprint);
                    if (incremental && !records.isEmpty()) {
                        stage(c, s, records);
                    }
                    for (String view : views) {
                        String target = alias + ".main.\"" + view + "\"";
                        if (incremental && recordViews.contains(view)) {
                            if (!records.isEmpty()) {
                                s.execute("DELETE FROM " + target + " WHERE record_id IN (SELECT id FROM snapshot_changed)");
                                s.execute("INSERT INTO " + target + " SELECT * FROM main.\"" + view + "\" WHERE record_id IN (SELECT id FROM snapshot_changed)");
                            }
                        } else {
                            s.execute("CREATE OR REPLACE TABLE " + target + " AS SELECT * FROM main.\"" + view + "\"");
                        }
                    }
                    s.execute("COMMIT");
                    s.execute("CHECKPOINT " + alias);
                } finally {
                    s.execute("DETACH " + alias);
                }
                Snapshot snapshot = new Snapshot(next, file, asOf, counted, fingerprint);
                published = snapshot;
                synchronized (kept) {
                    kept.addFirst(snapshot);
                    while (kept.size() > 2) {
                        Snapshot old = kept.removeLast();
                        if (leases.containsKey(old.generation())) {
                            retired.add(old);
                        } else {
                            deleteTree(old.file().getParent());
                        }
                    }
                }
                done = true;
                lastIncremental = incremental;
                long took = (System.nanoTime() - started) / 1_000_000;
                if (took >= 1000) {
                    LOG.info("Analyst snapshot {} published in {} ms ({})", next, took,
                            incremental ? records.size() + " changed records" : "full copy");
                }
                return snapshot;
            } finally {
                copying = null;
            }
        } catch (SQLException | IOException e) {
            try {
                deleteTree(dir);
            } catch (IOException ignored) {
                // a later snapshot removes it
            }
            // DuckDB may quote the statement in its message: the key never reaches a log.
            String message = SnapshotKey.redacted(e.getMessage(), keyText());
            throw new IllegalStateException("cannot publish the analyst snapshot: " + message,
                    key == null ? e : new SQLException(message));
        } finally {
            if (!done) {
                // The next snapshot must still copy what this one did not.
                synchronized (changes) {
                    overflowed |= everything;
                    if (!overflowed) {
                        changed.addAll(records);
                    }
                }
            }
        }
    }

    /**
     * Attaches a snapshot file for writing: with the snapshot key where the warehouse is
     * encrypted (a copy of the previous file, made for an incremental snapshot, is opened with the
     * same key), so no record leaves the warehouse in clear.
     */
    private void attach(Statement s, Path file, String alias) throws SQLException {
        String path = file.toAbsolutePath().toString().replace("'", "''");
        s.execute("ATTACH '" + path + "' AS " + alias + (key == null ? "" : " (ENCRYPTION_KEY '" + key.text() + "')"));
    }

    /** The record ids into a temporary table of the copying connection, inside its transaction. */
    private static void stage(Connection c, Statement s, Set<UUID> records) throws SQLException {
        s.execute("CREATE OR REPLACE TEMP TABLE snapshot_changed (id UUID)");
        try (DuckDBAppender appender = c.unwrap(DuckDBConnection.class).createAppender("temp", "main", "snapshot_changed")) {
            for (UUID id : records) {
                appender.beginRow().append(id).endRow();
            }
        }
    }

    /**
     * Whether two fingerprints agree on everything but the counts of versions and facts (the
     * first three fields): the dimensions and the date.
     */
    static boolean sameDimensions(String a, String b) {
        return dimensions(a).equals(dimensions(b));
    }

    private static String dimensions(String fingerprint) {
        int at = -1;
        for (int i = 0; i < 3; i++) {
            at = fingerprint.indexOf('/', at + 1);
            if (at < 0) {
                return fingerprint;
            }
        }
        return fingerprint.substring(at + 1);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String resource(String name) {
        try (InputStream in = AnalystSnapshots.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the watcher and cancels a copy under way (at 10 M records one takes tens of
     * seconds): its open transaction would keep the warehouse's checkpoint at a clean stop from
     * folding the WAL into the file.
     */
    @Override
    public void close() {
        closed = true;
        watcher.shutdownNow();
        Statement running = copying;
        if (running != null) {
            try {
                running.cancel();
            } catch (SQLException e) {
                LOG.warn("Could not cancel the analyst snapshot's copy: {}", e.getMessage());
            }
        }
        synchronized (this) {
            // a publish() under way has unwound (rolled back, detached) once this lock is ours
        }
        try {
            watcher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

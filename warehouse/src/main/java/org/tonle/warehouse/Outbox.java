package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The office's durable outbox to headquarters (migrations 005-outbox.sql, 040-outbox-slim.sql). Changes enter the
 * table in the transaction that commits them to the office's own warehouse
 * ({@link RecordStore.CommitHook}), so an acknowledged record survives a killed process; they
 * leave only once Kafka acknowledged them. The outbox is bounded: a batch that would overfill it
 * is refused as a whole.
 *
 * <p>The table is the durable copy only. Once a transaction has committed, its changes also join
 * a queue in memory, which is what the forwarder reads: while the office's writer is busy, the
 * forwarder neither reads the table nor deletes from it after every batch. The table is read
 * (in sequence order, after the last change queued) only after a start, when more changes
 * waited than the queue holds, or when a commit's outcome is unknown; acknowledged changes are
 * deleted from it in runs ({@link #TRIM_ROWS} or once a second), so a crash may send a few
 * acknowledged changes again, which headquarters recognises as duplicates (id and content hash).
 *
 * <p>A row names its change only (sequence number, record id, version): what the change carries
 * (action, body, who recorded it and when) is its record version's, written in the same
 * transaction, and is joined from {@code record_version} when the table is read.
 */
public final class Outbox implements RecordStore.CommitHook {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    /** Changes the in-memory queue holds; beyond it, changes wait in the table only until the queue has room. */
    public static final int MEMORY = 20_000;
    /** Acknowledged changes deleted from the table in one statement, at most every {@link #TRIM_NANOS}. */
    static final int TRIM_ROWS = 10_000;
    static final long TRIM_NANOS = 1_000_000_000L;

    /** One change waiting to be forwarded. {@code body} is null for a void. */
    public record Entry(long seq, UUID recordId, int version, String action, String body, String recordedBy, Instant recordedAt) {
    }

    /** How full the outbox is; {@code oldest} is null when it is empty. */
    public record Depth(long count, Instant oldest) {
    }

    private final Warehouse warehouse;
    private final long capacity;
    private final int memory;
    private final Object lock = new Object();
    // All below guarded by lock.
    /** Committed, unacknowledged changes in sequence order: seq acknowledged + 1 up to queuedUpTo. */
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    /** Changes committed and not yet acknowledged. */
    private long waiting;
    /** The sequence number the next change is given (in the order changes will commit). */
    private long nextSeq;
    /** Every change up to this was acknowledged by Kafka. */
    private long acknowledged;
    /** Every waiting change up to this is in the queue; later ones are in the table (and join the queue when live). */
    private long queuedUpTo;
    /** Committed changes join the queue at once; false: they wait in the table until the queue catches up. */
    private boolean live;
    /**
     * The transactions under way, oldest first: their changes have their sequence numbers and
     * join the queue when they commit. Two may be open at once (the writer appends a group while
     * the one before it commits), and they commit in the order they took their numbers.
     */
    private final ArrayDeque<Staged> open = new ArrayDeque<>();
    /** Changes the open transactions hold: they count against the capacity before they commit. */
    private long openChanges;
    /** A transaction failed, perhaps after its COMMIT was durable: the count is taken again from the table. */
    private boolean recount;
    /** Transactions that committed changes so far: what {@link #awaitCommitAfter} waits on. */
    private long commits;
    /** Failures and recounts so far: after one, what the table holds is known only by reading it. */
    private long failures;
    /**
     * While the table is read, the changes of the transactions that commit meanwhile, in commit
     * order; null when no read runs, or when more committed than the queue holds. Once the read
     * reaches the table's end, these are what it may have missed: they follow it in the queue and
     * the outbox is live again, even while the writer never pauses.
     */
    private List<Entry> committedDuringRead;
    /** Rows up to this were deleted from the table. */
    private long trimmedUpTo;
    private long trimmedAt = System.nanoTime();
    private boolean trimming;
    /** Reads of the table so far (each joins record_version): what a forwarder that fell behind costs. */
    private long tableReads;
    /** Test hook: runs between a read of the table and its result joining the queue. */
    private volatile Runnable afterTableRead = () -> { };

    public Outbox(Warehouse warehouse, long capacity) {
        this(warehouse, capacity, MEMORY);
    }

    Outbox(Warehouse warehouse, long capacity, int memory) {
        this.warehouse = warehouse;
        this.capacity = capacity;
        this.memory = memory;
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load("sql/outbox-bounds.sql"))) {
            rs.next();
            waiting = rs.getLong(1);
            nextSeq = rs.getLong(3) + 1;
            acknowledged = waiting == 0 ? rs.getLong(3) : rs.getLong(2) - 1;
            queuedUpTo = acknowledged;
            trimmedUpTo = acknowledged;
            live = waiting == 0;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the outbox: " + e.getMessage(), e);
        }
    }

    public long capacity() {
        return capacity;
    }

    /**
     * Numbers the changes in the order of these calls, which is the order their transactions
     * commit in; a transaction that fails leaves a gap in the numbers, which nothing downstream
     * minds (the forwarder acknowledges up to a number, headquarters knows changes by id and
     * content).
     */
    @Override
    public RecordStore.CommitHook.Outcome inTransaction(DuckDBConnection connection, List<Change> changes) throws SQLException {
        Staged staged;
        synchronized (lock) {
            recountIfIdle();
            if (waiting + openChanges + changes.size() > capacity) {
                throw new OutboxFullException(waiting + openChanges, capacity);
            }
            staged = new Staged(nextSeq, changes.size());
            nextSeq += changes.size();
            open.addLast(staged);
            openChanges += changes.size();
        }
        boolean appended = false;
        try {
            // The appender flushes its rows when it closes: only then are they appended.
            try (DuckDBAppender appender = connection.createAppender("outbox")) {
                long seq = staged.first;
                for (Change c : changes) {
                    appender.beginRow()
                            .append(seq)
                            .append(c.recordId())
                            .append(c.version())
                            .endRow();
                    staged.entries.add(new Entry(seq++, c.recordId(), c.version(), c.action().id(), c.body(), c.recordedBy(), c.recordedAt()));
                }
            }
            appended = true;
        } finally {
            if (!appended) {
                staged.failed();
            }
        }
        return staged;
    }

    /**
     * After a failed transaction, takes the count of waiting changes from the table once no
     * transaction is open (every one numbered so far has reported, so the table holds all that
     * waits), or at the next commit ({@link #committed}), whichever comes first. Until then the
     * count includes the failed transaction's changes, as if it had committed: too high for a
     * while, never too low. Under the lock.
     */
    private void recountIfIdle() {
        if (recount && open.isEmpty()) {
            recount();
        }
    }

    /**
     * Takes the count of waiting changes from the table, on a connection of its own (the caller's
     * transaction may have begun before the last commit, and would not see it); the forwarder
     * then reads the table from where the queue ends. Under the lock.
     *
     * @return whether the count was taken (if not, it is tried again at the next report)
     */
    private boolean recount() {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/outbox-waiting.sql"))) {
            ps.setLong(1, acknowledged);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                waiting = rs.getLong(1);
                nextSeq = Math.max(nextSeq, rs.getLong(2) + 1);
            }
            recount = false;
        } catch (SQLException e) {
            LOG.warn("Could not count the outbox's waiting changes after a failed commit (tried again at the next): {}", e.getMessage());
        }
        live = false;
        failures++;
        return !recount;
    }

    /** The changes of one transaction under way, numbered from {@code first}. */
    private final class Staged implements RecordStore.CommitHook.Outcome {
        final long first;
        final int size;
        final List<Entry> entries;

        Staged(long first, int size) {
            this.first = first;
            this.size = size;
            this.entries = new ArrayList<>(size);
        }

        @Override
        public void committed() {
            Outbox.this.committed(this);
        }

        /**
         * It rolled back, or its outcome is unknown: the forwarder reads the table (which holds
         * its changes if it did commit) until it has caught up, and the count is taken again.
         */
        @Override
        public void failed() {
            synchronized (lock) {
                if (open.remove(this)) {
                    openChanges -= size;
                    waiting += size;
                }
                recount = true;
                live = false;
                failures++;
                recountIfIdle();
            }
        }
    }

    /** The transaction has committed: its changes may be forwarded from memory. */
    private void committed(Staged staged) {
        synchronized (lock) {
            if (!open.remove(staged)) {
                return;
            }
            List<Entry> entries = staged.entries;
            openChanges -= staged.size;
            if (!entries.isEmpty()) {
                commits++;
                lock.notifyAll();
            }
            // After a failure: every transaction before this one has reported (they commit in
            // turn) and none after it has committed, so the table holds exactly what waits, this
            // one's changes included: counted there, not added, and read from there.
            if (recount && recount()) {
                return;
            }
            waiting += entries.size();
            if (entries.isEmpty() || recount) {
                return; // (a count that could not be taken left the forwarder on the table)
            }
            if (live && queue.size() + entries.size() > memory) {
                live = false;
            }
            if (!live && committedDuringRead != null) {
                if (committedDuringRead.size() + entries.size() <= memory) {
                    committedDuringRead.addAll(entries);
                } else {
                    committedDuringRead = null; // more than the queue holds: the next read takes them from the table
                }
            }
            if (live) {
                for (Entry e : entries) {
                    if (e.seq() > queuedUpTo) {
                        queue.addLast(e);
                        queuedUpTo = e.seq();
                    }
                }
            }
        }
    }

    /** How many times the table was read (after a start, a failure, or falling behind) rather than the queue in memory. */
    public long tableReads() {
        synchronized (lock) {
            return tableReads;
        }
    }

    /** How many transactions have committed changes so far; pass it to {@link #awaitCommitAfter}. */
    public long commits() {
        synchronized (lock) {
            return commits;
        }
    }

    /**
     * Waits until a transaction after the {@code seen}-th has committed changes, at most
     * {@code timeoutMillis}: the forwarder sleeps until there is something to send instead of
     * polling, so a change leaves as soon as it is committed.
     *
     * @return whether one has
     */
    public boolean awaitCommitAfter(long seen, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (lock) {
            long left;
            while (commits == seen && (left = deadline - System.nanoTime()) > 0) {
                lock.wait(Math.max(1, left / 1_000_000L));
            }
            return commits != seen;
        }
    }

    /**
     * The oldest waiting changes, in commit order, without removing them: after a failed send the
     * same changes come again. From memory, or from the table after what the queue holds.
     */
    public List<Entry> next(int limit) {
        boolean fromTable;
        long from;
        int wanted;
        long failuresBefore;
        List<Entry> kept = null;
        synchronized (lock) {
            fromTable = !live && queue.size() < limit;
            from = queuedUpTo;
            wanted = Math.max(limit, memory) - queue.size();
            failuresBefore = failures;
            if (fromTable) {
                kept = new ArrayList<>();
                committedDuringRead = kept;
            }
        }
        if (fromTable) {
            try {
                // Outside the lock: the read joins record_version (no index), and every commit of the
                // writer takes this lock. Read up to what the queue holds: fewer, larger reads.
                Read read = readAfter(from, wanted);
                afterTableRead.run();
                synchronized (lock) {
                    tableReads++;
                    // A second caller's read since this one began took the list over: this one's
                    // result joins the queue, but only a read that kept every commit since it began
                    // may turn the queue live.
                    if (!live && queuedUpTo == from) {
                        queue.addAll(read.entries());
                        queuedUpTo = read.lastSeq();
                        waiting -= read.missing();
                        if (read.rows() < wanted && committedDuringRead == kept) {
                            catchUp(kept, failuresBefore);
                        }
                    }
                }
            } finally {
                synchronized (lock) {
                    if (committedDuringRead == kept) {
                        committedDuringRead = null;
                    }
                }
            }
        }
        List<Entry> entries = new ArrayList<>(Math.min(limit, MEMORY));
        synchronized (lock) {
            Iterator<Entry> it = queue.iterator();
            while (entries.size() < limit && it.hasNext()) {
                entries.add(it.next());
            }
        }
        if (entries.isEmpty()) {
            trim(false);
        }
        return entries;
    }

    /**
     * The read reached the table's end: it holds every change committed before it began (they
     * were reported only after their COMMIT), and those committed since are in {@code kept}
     * (the read's {@link #committedDuringRead}), which may overlap it. They join the queue after
     * it and the outbox is live, unless a transaction failed since the read began (its changes
     * may be in the table and in neither list) or more committed than the queue holds. Then the
     * next call reads again from here. Under the lock.
     */
    private void catchUp(List<Entry> kept, long failuresBefore) {
        if (failures != failuresBefore) {
            return;
        }
        List<Entry> missed = kept.stream().filter(e -> e.seq() > queuedUpTo).toList();
        if (queue.size() + missed.size() > memory) {
            return;
        }
        queue.addAll(missed);
        if (!missed.isEmpty()) {
            queuedUpTo = missed.get(missed.size() - 1).seq();
        }
        live = true;
    }

    /** Test hook: {@code hook} runs after each read of the table, before its changes join the queue. */
    void afterTableReadForTests(Runnable hook) {
        this.afterTableRead = hook;
    }

    /** What one read of the table gave: the changes, the outbox rows read, the last sequence number, and rows whose version is missing. */
    private record Read(List<Entry> entries, int rows, long lastSeq, int missing) {
    }

    private Read readAfter(long seq, int limit) {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/outbox-after.sql"))) {
            ps.setLong(1, seq);
            ps.setInt(2, limit);
            List<Entry> entries = new ArrayList<>();
            long last = seq;
            int rows = 0;
            int missing = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long at = rs.getLong(1);
                    UUID recordId = rs.getObject(2, UUID.class);
                    if (at <= last) {
                        continue; // a version stored twice: the change is forwarded once
                    }
                    last = at;
                    rows++;
                    String action = rs.getString(4);
                    if (action == null) {
                        missing++;
                        // Written in the transaction of its outbox row, so only a tampered warehouse lacks it: nothing to send.
                        LOG.error("Outbox change {} names record {} version {}, which the warehouse does not hold: skipped",
                                at, recordId, rs.getInt(3));
                        continue;
                    }
                    entries.add(new Entry(at, recordId, rs.getInt(3), action,
                            rs.getString(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant()));
                }
            }
            return new Read(entries, rows, last, missing);
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the outbox: " + e.getMessage(), e);
        }
    }

    /**
     * Kafka acknowledged every change up to and including {@code seq}: they leave the queue at
     * once, and the table in the next run of deletes.
     */
    public void acknowledge(long seq) {
        synchronized (lock) {
            while (!queue.isEmpty() && queue.peekFirst().seq() <= seq) {
                queue.pollFirst();
                waiting--;
            }
            acknowledged = Math.max(acknowledged, seq);
        }
        trim(false);
    }

    /** Deletes the acknowledged changes from the table now (at a clean stop: fewer sent again after a start). */
    public void trim() {
        trim(true);
    }

    private void trim(boolean now) {
        long upTo;
        synchronized (lock) {
            upTo = acknowledged;
            boolean due = upTo - trimmedUpTo >= TRIM_ROWS || System.nanoTime() - trimmedAt >= TRIM_NANOS;
            if (trimming || upTo <= trimmedUpTo || !(now || due)) {
                return;
            }
            trimming = true;
        }
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/outbox-remove.sql"))) {
            ps.setLong(1, upTo);
            ps.executeUpdate();
            synchronized (lock) {
                trimmedUpTo = Math.max(trimmedUpTo, upTo);
            }
        } catch (SQLException e) {
            // Nothing is lost: the rows stay and are deleted with the next run (or sent again after a start).
            LOG.warn("Could not delete forwarded changes from the outbox (tried again later): {}", e.getMessage());
        } finally {
            synchronized (lock) {
                trimming = false;
                trimmedAt = System.nanoTime();
            }
        }
    }

    public Depth depth() {
        long count;
        long after;
        synchronized (lock) {
            count = Math.max(0, waiting);
            if (count == 0) {
                return new Depth(0, null);
            }
            if (!queue.isEmpty()) {
                return new Depth(count, queue.peekFirst().recordedAt());
            }
            after = acknowledged;
        }
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(Sql.load("sql/outbox-oldest.sql"))) {
            ps.setLong(1, after);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                OffsetDateTime oldest = rs.getObject(1, OffsetDateTime.class);
                return new Depth(count, oldest == null ? null : oldest.toInstant());
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the outbox depth: " + e.getMessage(), e);
        }
    }
}

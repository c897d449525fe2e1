package org.tonle.warehouse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.tonle.core.Dimensions;
import org.tonle.core.Json;
import org.tonle.programme.api.ParticipantTally;

/**
 * Versions and facts of activity records. Every write goes through {@link #commit}, one
 * transaction per batch, loaded with the DuckDB Appender. Callers serialise writes (the
 * pipeline's single writer), so the history they read before committing stays true.
 */
public final class RecordStore implements AutoCloseable {

    private static final ObjectMapper JSON = Json.MAPPER;

    /**
     * "true" once a store that reconciled at its start has closed cleanly, "false" from the next
     * start on: facts can be out of step with the stored versions only after a crash, and
     * reconciling scans every fact and version (about half a second for 3 M records).
     */
    private static final String CLOSED_CLEANLY = "record_store_closed_cleanly";
    private final Warehouse warehouse;
    private final NodeSettings settings;
    private volatile boolean reconciled;
    private final DuckDBConnection connection;
    private final Transaction.Statements transactions;
    private final AuditLog.Inserter auditLog;
    /** The two connections that prepared commits take in turn ({@link #prepare}): the first is {@link #connection}. */
    private final Lane[] lanes;
    private int lastLane;
    private final AttributesJson attributesJson = new AttributesJson();
    /** The bytes of the text values rows repeat; only the writer's thread appends. */
    private final Utf8Values utf8 = new Utf8Values();
    private volatile CommitListener listener;
    private volatile CommitHook commitHook;

    /**
     * Work that commits or rolls back together with a batch of changes (an office's outbox). Two
     * transactions may be open at once (one commits while the next is appended); they commit in
     * the order of their {@link #inTransaction} calls.
     */
    @FunctionalInterface
    public interface CommitHook {
        /**
         * Adds to the transaction of {@code changes}, its last work before COMMIT. A call that
         * throws leaves nothing to report; otherwise the store reports what became of the
         * transaction to the outcome returned.
         */
        Outcome inTransaction(DuckDBConnection connection, List<Change> changes) throws SQLException;

        /** What became of one transaction the hook added to: exactly one of these is called. */
        interface Outcome {
            void committed();

            /** It rolled back, or its COMMIT failed and whether it is durable is unknown. */
            void failed();
        }
    }

    public RecordStore(Warehouse warehouse) {
        this.warehouse = warehouse;
        this.settings = new NodeSettings(warehouse);
        this.connection = warehouse.connect();
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS batch_ids (id UUID)");
            this.transactions = new Transaction.Statements(connection);
            this.auditLog = new AuditLog.Inserter(connection);
            DuckDBConnection second = warehouse.connect();
            this.lanes = new Lane[] {new Lane(connection, transactions, auditLog),
                    new Lane(second, new Transaction.Statements(second), new AuditLog.Inserter(second))};
        } catch (SQLException e) {
            throw new WarehouseException("cannot prepare the record store: " + e.getMessage(), e);
        }
    }

    /** Runs {@code hook} inside every later commit, before it completes; null removes it. */
    public void commitHook(CommitHook hook) {
        this.commitHook = hook;
    }

    /** The stored history of each of these ids that the warehouse knows. */
    public Map<UUID, RecordHistory> histories(Collection<UUID> ids) {
        Map<UUID, RecordHistory> result = new HashMap<>();
        if (ids.isEmpty()) {
            return result;
        }
        try {
            stageIds(ids);
            Map<UUID, List<String>> hashes = new HashMap<>();
            Map<UUID, int[]> last = new HashMap<>();
            Map<UUID, Boolean> live = new HashMap<>();
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery(Sql.load("sql/record-histories.sql"))) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    int version = rs.getInt(2);
                    hashes.computeIfAbsent(id, k -> new ArrayList<>()).add(rs.getString(4));
                    int[] newest = last.computeIfAbsent(id, k -> new int[] {0});
                    if (version > newest[0]) {
                        newest[0] = version;
                        live.put(id, !"void".equals(rs.getString(3)));
                    }
                }
            }
            hashes.forEach((id, h) -> result.put(id, new RecordHistory(h, last.get(id)[0], live.get(id))));
            return result;
        } catch (SQLException e) {
            throw new WarehouseException("cannot read record histories: " + e.getMessage(), e);
        }
    }

    /**
     * {@link #reconcile} at start, unless this store's last run closed cleanly (then nothing can
     * be out of step); either way the next start reconciles unless this run closes cleanly too.
     *
     * @return the number of records whose facts were rebuilt or removed
     */
    public int reconcileUnlessClosedCleanly() {
        boolean clean = settings.get(CLOSED_CLEANLY).filter("true"::equals).isPresent();
        // Cleared before anything is written: a crash from here on leaves the next start to reconcile.
        settings.put(CLOSED_CLEANLY, "false");
        int repaired = clean ? 0 : reconcile();
        reconciled = true;
        return repaired;
    }

    /**
     * Brings facts back in line with the stored versions after a crash: orphan facts and tallies
     * leave, and live records without facts get them rebuilt from their stored body. A
     * no-op on a healthy warehouse; run at start, before the first write. Where it changes any
     * fact it removes the persisted indicator cube's token in the same transaction
     * ({@link NodeSettings#INDICATOR_CUBE_FILE}): the cube file no longer describes the facts.
     *
     * @return the number of records whose facts were rebuilt or removed
     */
    public int reconcile() {
        try {
            try (Transaction tx = transactions.begin(); Statement s = connection.createStatement()) {
                int removed = 0;
                for (String statement : Sql.load("sql/reconcile-orphans.sql").split(";")) {
                    String code = statement.lines().filter(l -> !l.strip().startsWith("--")).collect(Collectors.joining("\n"));
                    if (!code.isBlank()) {
                        removed += s.executeUpdate(code);
                    }
                }
                List<Change> rebuilt = new ArrayList<>();
                try (ResultSet rs = s.executeQuery(Sql.load("sql/reconcile-missing-facts.sql"))) {
                    while (rs.next()) {
                        UUID id = rs.getObject(1, UUID.class);
                        PseudonymousRecord record = recordOf(rs.getString(3));
                        rebuilt.add(new Change(id, rs.getInt(2), Change.Action.CREATE, "", rs.getString(3), record, "", "", Instant.now()));
                    }
                }
                appendFacts(connection, rebuilt);
                if (removed + rebuilt.size() > 0) {
                    // Facts changed without a record version: no persisted cube describes them any more.
                    NodeSettings.remove(connection, NodeSettings.INDICATOR_CUBE_FILE);
                }
                tx.commit();
                return removed + rebuilt.size();
            }
        } catch (SQLException | IOException e) {
            throw new WarehouseException("cannot reconcile facts with stored records: " + e.getMessage(), e);
        }
    }

    /** A stored body (canonical JSON, subject as its key) as a record again. */
    private static PseudonymousRecord recordOf(String body) throws IOException {
        JsonNode n = JSON.readTree(body);
        PseudonymousRecord.Subject subject = null;
        if (n.path("subject").isObject()) {
            JsonNode s = n.get("subject");
            subject = new PseudonymousRecord.Subject(s.path("key").isTextual() ? UUID.fromString(s.get("key").asText()) : null,
                    s.path("role").asText(null), s.path("sex").asText(null), s.path("age").isNumber() ? s.get("age").asInt() : null);
        }
        List<ParticipantTally> tallies = new ArrayList<>();
        for (JsonNode t : n.path("participants")) {
            tallies.add(new ParticipantTally(t.path("group").asText(), t.path("sex").asText(), t.path("count").asInt()));
        }
        Map<String, Object> attributes = JSON.convertValue(n.path("attributes").isObject() ? n.get("attributes") : JSON.createObjectNode(),
                new TypeReference<LinkedHashMap<String, Object>>() { });
        return new PseudonymousRecord(UUID.fromString(n.path("id").asText()), n.path("program").asText(), n.path("type").asText(),
                n.path("office").asText(), LocalDate.parse(n.path("date").asText()), subject, n.path("count").asInt(1), attributes, tallies);
    }

    /**
     * Calls {@code sink} with the id of every stored record (streamed, for in-memory filters), on
     * a connection of its own: it may run on a thread beside the writer.
     */
    public void forEachRecordId(Consumer<UUID> sink) {
        try (Connection apart = warehouse.connect(); Statement s = apart.createStatement();
             ResultSet rs = s.executeQuery("SELECT DISTINCT record_id FROM record_version")) {
            while (rs.next()) {
                sink.accept(rs.getObject(1, UUID.class));
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read record ids: " + e.getMessage(), e);
        }
    }

    /** The current pseudonymised body of a live record, if any. */
    public String currentBody(UUID id) {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT body FROM record_version WHERE record_id = ? ORDER BY version DESC LIMIT 1")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read record " + id + ": " + e.getMessage(), e);
        }
    }

    /** Tells {@code listener} of every later commit (the indicator cube); one listener per store. */
    public void onCommit(CommitListener listener) {
        this.listener = listener;
    }

    /** Commits the changes in one transaction; returns only once they are durable. */
    public void commit(List<Change> changes) {
        commit(changes, List.of());
    }

    /**
     * Commits the changes and the audit entries of the writes that made them in one
     * transaction, so no write is stored unaudited however the node stops; returns only once
     * they are durable.
     */
    public void commit(List<Change> changes, List<AuditLog.Write> audits) {
        if (changes.isEmpty() && audits.isEmpty()) {
            return;
        }
        CommitListener told = listener;
        if (told == null) {
            commit(changes, audits, null);
            return;
        }
        told.commitLock().lock();
        try {
            List<FactRow> removed = new ArrayList<>();
            commit(changes, audits, removed);
            told.committed(removed, newestPerRecord(changes).stream().map(FactRow::of).filter(Objects::nonNull).toList());
        } finally {
            told.commitLock().unlock();
        }
    }

    /**
     * The newest change of each record in a commit: when one commit holds a record's creation
     * and its correction or void (a group commit can), only the newest version has facts.
     */
    private static List<Change> newestPerRecord(List<Change> changes) {
        boolean onlyFirstVersions = true;
        for (Change change : changes) {
            onlyFirstVersions &= change.version() == 1;
        }
        if (onlyFirstVersions) {
            return changes; // a commit holds one first version of an id at most (the usual batch of new records)
        }
        Map<UUID, Change> newest = new LinkedHashMap<>();
        for (Change change : changes) {
            newest.merge(change.recordId(), change, (a, b) -> b.version() > a.version() ? b : a);
        }
        return newest.size() == changes.size() ? changes : List.copyOf(newest.values());
    }

    /** One of the store's connections, with its prepared BEGIN, COMMIT and audit statements. */
    private record Lane(DuckDBConnection connection, Transaction.Statements transactions, AuditLog.Inserter auditLog) {
    }

    /** A transaction begun and filled by {@link #prepare}, to be committed by {@link #finish}. */
    public static final class Prepared {
        private final Transaction transaction;
        private final List<Change> changes;
        private final CommitHook.Outcome hooked;
        private final long number;

        private Prepared(Transaction transaction, List<Change> changes, CommitHook.Outcome hooked, long number) {
            this.transaction = transaction;
            this.changes = changes;
            this.hooked = hooked;
            this.number = number;
        }
    }

    /**
     * Transactions prepared so far, and finished (committed or failed): a hook is promised that
     * transactions commit in the order they joined it (an office's outbox forwards in that
     * order), so a prepared transaction may only finish after every one prepared before it, and a
     * whole commit may only run when none is open.
     */
    private final AtomicLong preparedCount = new AtomicLong();
    private final AtomicLong finishedCount = new AtomicLong();

    /**
     * Begins a transaction of first versions and their audit entries and appends them, on the
     * connection the last prepared one did not use, so that it can be filled while that one
     * commits. The caller prepares one at a time, and {@link #finish}es them in the order
     * prepared, each after the one before has finished: at most two are open at once. The rows
     * of first versions read nothing, so a transaction begun before the previous one committed
     * stores the same as one begun after.
     */
    public Prepared prepare(List<Change> changes, List<AuditLog.Write> audits) {
        for (Change change : changes) {
            if (change.action() != Change.Action.CREATE || change.version() != 1) {
                throw new IllegalArgumentException("only first versions are prepared; " + change.recordId() + " is version " + change.version());
            }
        }
        lastLane = 1 - lastLane;
        Lane lane = lanes[lastLane];
        Transaction tx = null;
        try {
            tx = lane.transactions().begin();
            appendVersions(lane.connection(), changes);
            appendFacts(lane.connection(), changes);
            if (!audits.isEmpty()) {
                lane.auditLog().insert(audits);
            }
            CommitHook hook = commitHook;
            CommitHook.Outcome hooked = hook == null || changes.isEmpty() ? null : hook.inTransaction(lane.connection(), changes);
            return new Prepared(tx, changes, hooked, preparedCount.incrementAndGet());
        } catch (SQLException e) {
            rollBack(tx);
            throw new WarehouseException("the warehouse did not commit " + changes.size() + " records: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            rollBack(tx);
            throw e; // as the whole path answers it (a full outbox)
        }
    }

    /** Commits a prepared transaction; returns only once it is durable, and the cube has it. */
    public void finish(Prepared prepared) {
        long inTurn = finishedCount.get() + 1;
        if (prepared.number != inTurn) {
            // A caller's mistake: nothing of it commits (nor, then, the one it overtook), and the counts stay whole.
            rollBack(prepared.transaction);
            if (prepared.hooked != null) {
                prepared.hooked.failed();
            }
            finishedCount.accumulateAndGet(prepared.number, Math::max);
            throw new IllegalStateException("prepared transaction " + prepared.number + " was finished before transaction " + inTurn
                    + ": transactions commit in the order they were prepared; it was rolled back");
        }
        try {
            commitInTurn(prepared);
        } finally {
            finishedCount.set(prepared.number);
        }
    }

    private void commitInTurn(Prepared prepared) {
        CommitListener told = listener;
        if (told != null) {
            told.commitLock().lock();
        }
        try {
            try {
                prepared.transaction.commit();
            } catch (SQLException e) {
                rollBack(prepared.transaction);
                if (prepared.hooked != null) {
                    prepared.hooked.failed();
                }
                throw new WarehouseException("the warehouse did not commit " + prepared.changes.size() + " records: " + e.getMessage(), e);
            }
            if (prepared.hooked != null) {
                prepared.hooked.committed();
            }
            if (told != null) {
                told.committed(List.of(), prepared.changes.stream().map(FactRow::of).filter(Objects::nonNull).toList());
            }
        } finally {
            if (told != null) {
                told.commitLock().unlock();
            }
        }
    }

    private static void rollBack(Transaction tx) {
        if (tx == null) {
            return;
        }
        try {
            tx.close();
        } catch (SQLException e) {
            // the connection ends the transaction when it cannot roll back; the warehouse keeps nothing of it
        }
    }

    /** {@code removed}, when given, receives the facts the corrections and voids replace. */
    private void commit(List<Change> changes, List<AuditLog.Write> audits, List<FactRow> removed) {
        if (preparedCount.get() != finishedCount.get()) {
            throw new IllegalStateException("a commit while prepared transactions are open would commit before them;"
                    + " finish them first");
        }
        CommitHook.Outcome hooked = null;
        boolean committed = false;
        try {
            try (Transaction tx = transactions.begin()) {
                List<UUID> replaced = changes.stream().filter(c -> c.action() != Change.Action.CREATE).map(Change::recordId).toList();
                if (!replaced.isEmpty()) {
                    stageIds(replaced);
                    if (removed != null) {
                        removed.addAll(replacedFacts());
                    }
                    try (Statement s = connection.createStatement()) {
                        s.execute("DELETE FROM fact_activity WHERE record_id IN (SELECT id FROM batch_ids)");
                        s.execute("DELETE FROM fact_participants WHERE record_id IN (SELECT id FROM batch_ids)");
                    }
                }
                appendVersions(connection, changes);
                appendFacts(connection, newestPerRecord(changes));
                if (!audits.isEmpty()) {
                    auditLog.insert(audits);
                }
                CommitHook hook = commitHook;
                if (hook != null && !changes.isEmpty()) {
                    hooked = hook.inTransaction(connection, changes);
                }
                tx.commit();
                committed = true;
            }
        } catch (SQLException e) {
            throw new WarehouseException("the warehouse did not commit " + changes.size() + " records: " + e.getMessage(), e);
        } finally {
            if (hooked != null) {
                if (committed) {
                    hooked.committed();
                } else {
                    hooked.failed();
                }
            }
        }
    }

    private List<FactRow> replacedFacts() throws SQLException {
        Map<UUID, List<ParticipantTally>> tallies = new HashMap<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(Sql.load("sql/replaced-tallies.sql"))) {
            while (rs.next()) {
                tallies.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                        .add(new ParticipantTally(rs.getString(2), rs.getString(3), rs.getInt(4)));
            }
        }
        List<FactRow> facts = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(Sql.load("sql/replaced-facts.sql"))) {
            while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                facts.add(new FactRow(id, rs.getString(2), rs.getString(3), rs.getString(4), rs.getObject(5, LocalDate.class),
                        rs.getObject(6, UUID.class), rs.getString(7), rs.getString(8), rs.getString(9), rs.getInt(10),
                        attributes(rs.getString(11)), tallies.getOrDefault(id, List.of())));
            }
        }
        return facts;
    }

    private static Map<String, Object> attributes(String json) {
        try {
            return json == null ? Map.of() : JSON.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable attributes in the warehouse: " + e.getMessage(), e);
        }
    }

    private void stageIds(Collection<UUID> ids) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("DELETE FROM batch_ids");
        }
        try (DuckDBAppender appender = connection.createAppender("temp", "main", "batch_ids")) {
            for (UUID id : ids) {
                appender.beginRow().append(id).endRow();
            }
        }
    }

    private void appendVersions(DuckDBConnection connection, List<Change> changes) throws SQLException {
        try (DuckDBAppender appender = connection.createAppender("record_version")) {
            for (Change c : changes) {
                appender.beginRow()
                        .append(c.recordId())
                        .append(c.version())
                        .append(utf8.of(c.action().id()))
                        .append(c.contentHash())
                        .append(c.body())
                        .appendEpochMicros(epochMicros(c.recordedAt()))
                        .append(utf8.of(c.recordedBy()))
                        .append(utf8.of(c.source()))
                        .endRow();
            }
        }
    }

    private static long epochMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    private void appendFacts(DuckDBConnection connection, List<Change> changes) throws SQLException {
        boolean anyTallies = false;
        for (Change c : changes) {
            if (c.record() != null && c.action() != Change.Action.VOID && !c.record().participants().isEmpty()) {
                anyTallies = true;
                break;
            }
        }
        // An appender costs a native call to open and a flush to close even when empty: a
        // small HTTP commit without tallies opens none for them.
        try (DuckDBAppender facts = connection.createAppender("fact_activity");
             DuckDBAppender tallies = anyTallies ? connection.createAppender("fact_participants") : null) {
            for (Change c : changes) {
                PseudonymousRecord r = c.record();
                if (c.action() == Change.Action.VOID || r == null) {
                    continue;
                }
                facts.beginRow()
                        .append(c.recordId())
                        .append(utf8.of(r.program()))
                        .append(utf8.of(r.type()))
                        .append(utf8.of(r.office()))
                        .append(r.date());
                if (r.subjectKey() == null) {
                    facts.appendNull();
                } else {
                    facts.append(r.subjectKey());
                }
                if (r.subject() == null) {
                    facts.appendNull().appendNull().appendNull().appendNull();
                } else {
                    facts.append(utf8.of(r.subject().role())).append(utf8.of(r.subject().sex()));
                    if (r.subject().age() == null) {
                        facts.appendNull();
                    } else {
                        facts.append(r.subject().age().shortValue());
                    }
                    facts.append(utf8.of(Dimensions.ageBand(r.subject().age())));
                }
                facts.append(r.count()).append(attributesJson.of(r.attributes())).endRow();
                for (ParticipantTally tally : r.participants()) {
                    tallies.beginRow()
                            .append(c.recordId())
                            .append(utf8.of(r.program()))
                            .append(utf8.of(r.type()))
                            .append(utf8.of(r.office()))
                            .append(r.date())
                            .append(utf8.of(tally.group()))
                            .append(utf8.of(tally.sex()))
                            .append(tally.count())
                            .endRow();
                }
            }
        }
    }

    /**
     * The JSON of recent attribute maps: records of one programme mostly repeat a few
     * attribute values (declared enums), and writing each map with Jackson was a tenth of the
     * writer's time in a bulk import. It keeps the JSON as UTF-8 bytes, as the Appender takes
     * them (the same bytes it would encode from the text). Only the writer's thread uses it; it
     * forgets everything when full.
     */
    private static final class AttributesJson {

        private static final int CAPACITY = 4096;
        private final Map<Map<String, Object>, byte[]> recent = new HashMap<>();

        byte[] of(Map<String, Object> attributes) {
            byte[] json = recent.get(attributes);
            if (json == null) {
                try {
                    json = JSON.writeValueAsString(attributes).getBytes(StandardCharsets.UTF_8);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                if (immutableValues(attributes)) {
                    if (recent.size() >= CAPACITY) {
                        recent.clear();
                    }
                    // A copy as the key: the record's map is the caller's.
                    recent.put(new LinkedHashMap<>(attributes), json);
                }
            }
            return json;
        }

        /** Only maps of strings, numbers and booleans are kept: a list could change under its key. */
        private static boolean immutableValues(Map<String, Object> attributes) {
            for (Object value : attributes.values()) {
                if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void close() {
        if (reconciled) {
            // After the last commit: the next start may skip reconciling (a store that never reconciled says nothing).
            try {
                settings.put(CLOSED_CLEANLY, "true");
            } catch (WarehouseException e) {
                // the next start reconciles, as after a crash
            }
        }
        Lane second = lanes[1];
        try (DuckDBConnection c = second.connection(); Transaction.Statements t = second.transactions(); AuditLog.Inserter a = second.auditLog()) {
            // closed in reverse order, as below
        } catch (SQLException ignored) {
            // closing a duplicate connection cannot lose data
        }
        try (connection; transactions; auditLog) {
            // closed in reverse order: the statements, then their connection
        } catch (SQLException ignored) {
            // closing a duplicate connection cannot lose data
        }
    }
}

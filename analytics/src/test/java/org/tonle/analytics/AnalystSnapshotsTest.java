package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.CommitListener;
import org.tonle.warehouse.FactRow;
import org.tonle.warehouse.Warehouse;

class AnalystSnapshotsTest {

    /**
     * A node stopping while a copy runs (tens of seconds on a large warehouse) must not leave
     * its write transaction open: the stop's checkpoint would fail and leave the WAL unfolded.
     */
    @Test
    void closingCancelsACopyUnderWaySoTheWarehouseCanCheckpoint(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", new Settings.Sql(5, "512MB", 2, "100MB", 0, 2))) {
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("""
                        INSERT INTO fact_activity
                        SELECT uuid(), 'social', 'client_contact', 'PNH', DATE '2015-01-01' + (i % 365)::INTEGER, uuid(), 'client', 'F',
                               12::SMALLINT, '12-14', 1, '{"setting":"office"}'
                        FROM range(3000000) t(i)""");
            }
            AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"));
            CompletableFuture<AnalystSnapshots.Snapshot> copy = CompletableFuture.supplyAsync(snapshots::current);
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!snapshots.copying() && !copy.isDone() && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertThat(snapshots.copying()).as("a copy of 3 M facts is under way").isTrue();
            long closing = System.nanoTime();
            snapshots.close();
            assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(10));
            // Cancelled, or (when the cancel came as the copy committed) refused as the node stops.
            assertThat(copy).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                    .havingCause().withMessageContainingAll("analyst snapshot");
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                assertThatCode(() -> s.execute("CHECKPOINT")).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void aStatementWaitsForACopyOfNewCommitsUnlessTheSnapshotIsYoungerThanTheConfiguredAge(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", new Settings.Sql(5, "512MB", 2, "100MB", 0, 2))) {
            try (AnalystSnapshots exact = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("exact"));
                 AnalystSnapshots young = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("young"),
                         Duration.ofMinutes(10))) {
                long exactFirst = exact.current().generation();
                long youngFirst = young.current().generation();
                commit(exact);
                commit(young);
                assertThat(exact.current().generation()).as("a commit since: a new copy").isGreaterThan(exactFirst);
                AnalystSnapshots.Snapshot answered = young.current();
                assertThat(answered.generation()).as("a commit since, but the snapshot is young enough").isEqualTo(youngFirst);
                assertThat(answered.asOf()).isBefore(Instant.now());
            }
        }
    }

    /**
     * A snapshot made incrementally (the previous file, the changed records read again) holds
     * exactly what a full copy holds: after creations, corrections (office, sex, attributes,
     * tallies) and voids, and after a change of the dimensions (which takes a full copy).
     */
    @Test
    void anIncrementalSnapshotHoldsWhatAFullCopyHolds(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", new Settings.Sql(5, "512MB", 2, "100MB", 0, 2));
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"))) {
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh'), ('SRP', 'Siem Reap')");
                s.execute("INSERT INTO dim_attribute VALUES ('social', 'client_contact', 'setting', 'enum'), ('social', 'client_contact', 'note', 'text')");
                s.execute("INSERT INTO dim_indicator VALUES ('social.clients_met', 'social', 'client_contact', 'distinct_subjects', 'persons', 'Clients met'),"
                        + " ('awareness.participants', 'awareness', 'training', 'participants', 'persons', 'Participants')");
                s.execute("INSERT INTO dim_indicator_filter VALUES ('social.clients_met', 'role', 'client')");
                s.execute(facts("range(0, 2000)"));
                s.execute(tallies("range(0, 2000)"));
            }
            assertThat(snapshots.current().generation()).isEqualTo(1);
            assertSameAsTheViews(warehouse, snapshots.current());

            // Voids of 0..99, corrections of 100..299 (moved office, other sex and setting, new tallies), new records 2000..2299.
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM fact_activity WHERE record_id IN (SELECT " + id("i") + " FROM range(0, 300) t(i))");
                s.execute("DELETE FROM fact_participants WHERE record_id IN (SELECT " + id("i") + " FROM range(0, 300) t(i))");
                s.execute(facts("range(100, 300)").replace("'PNH'", "'SRP'").replace("'office'", "'shelter'").replace("['F', 'M']", "['M', 'X']"));
                s.execute(tallies("range(100, 300)").replace("7", "9"));
                s.execute(facts("range(2000, 2300)"));
                s.execute(tallies("range(2000, 2300)"));
            }
            commit(snapshots, ids(0, 300), ids(100, 300));
            commit(snapshots, List.of(), ids(2000, 2300));
            AnalystSnapshots.Snapshot second = snapshots.current();
            // (the background watcher may have published one in between; each must hold the same)
            assertThat(second.generation()).isGreaterThan(1);
            assertThat(snapshots.lastWasIncremental()).isTrue();
            assertThat(snapshots.recordViews()).containsExactlyInAnyOrder("activities", "activity_attributes", "participant_tallies", "indicator_records");
            assertSameAsTheViews(warehouse, second);

            // A new attribute in the dictionary changes what activity_attributes selects: a full copy.
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO dim_attribute VALUES ('awareness', 'training', 'topic', 'enum')");
                s.execute("DELETE FROM fact_activity WHERE record_id = " + id("5000"));
            }
            commit(snapshots, List.of(), List.of());
            AnalystSnapshots.Snapshot third = snapshots.current();
            assertThat(third.generation()).isGreaterThan(second.generation());
            assertThat(snapshots.lastWasIncremental()).isFalse();
            assertSameAsTheViews(warehouse, third);
        }
    }

    /** A statement waiting for a worker must still find its file after newer snapshots replaced it. */
    @Test
    void aLeasedSnapshotStaysOnDiskUntilReleasedThoughNewerOnesReplaceIt(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", new Settings.Sql(5, "512MB", 2, "100MB", 0, 2));
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"))) {
            AnalystSnapshots.Snapshot leased = snapshots.lease();
            AnalystSnapshots.Snapshot other = snapshots.current();
            for (int i = 0; i < 3; i++) {
                commit(snapshots);
                other = snapshots.current();
            }
            assertThat(other.generation()).isGreaterThan(leased.generation() + 2);
            assertThat(leased.file()).exists();
            snapshots.release(leased);
            assertThat(leased.file()).doesNotExist();
            assertThat(other.file()).exists();
        }
    }

    private static String id(String i) {
        return "md5('record-' || " + i + ")::UUID";
    }

    /** Facts naming only the record ids DuckDB makes of {@code md5('record-' || i)}, as a commit names them. */
    static List<FactRow> ids(int from, int to) {
        List<FactRow> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(new FactRow(recordId(i), null, null, null, null, null, null, null, null, 0, Map.of(), List.of()));
        }
        return rows;
    }

    /** The UUID DuckDB makes of {@code md5('record-' || i)}. */
    private static UUID recordId(int i) {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(("record-" + i).getBytes(StandardCharsets.UTF_8)));
            return UUID.fromString(hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String facts(String range) {
        return "INSERT INTO fact_activity SELECT " + id("i") + ", 'social', 'client_contact', 'PNH', DATE '2015-08-01' + (i % 28)::INTEGER,"
                + " md5('person-' || (i % 700))::UUID, ['client', 'victim'][1 + i % 2], ['F', 'M'][1 + i % 2], (i % 18)::SMALLINT, '12-14', 1,"
                + " '{\"setting\":\"office\",\"note\":\"free text\"}' FROM " + range + " t(i)";
    }

    private static String tallies(String range) {
        return "INSERT INTO fact_participants SELECT " + id("i") + ", 'awareness', 'training', 'PNH', DATE '2015-08-01', 'student', 'F', 7"
                + " FROM " + range + " t(i) WHERE i % 5 = 0";
    }

    /** Every view's rows in the snapshot file equal the view's rows in the warehouse, as multisets. */
    private static void assertSameAsTheViews(Warehouse warehouse, AnalystSnapshots.Snapshot snapshot) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("ATTACH '" + snapshot.file() + "' AS checked (READ_ONLY)");
            try {
                for (String view : SqlSandbox.VIEWS) {
                    String q = "SELECT (SELECT count(*) FROM main.\"%1$s\"), (SELECT count(*) FROM (SELECT * FROM main.\"%1$s\" EXCEPT ALL"
                            + " SELECT * FROM checked.main.\"%1$s\")), (SELECT count(*) FROM (SELECT * FROM checked.main.\"%1$s\" EXCEPT ALL"
                            + " SELECT * FROM main.\"%1$s\"))";
                    try (ResultSet rs = s.executeQuery(q.formatted(view))) {
                        rs.next();
                        assertThat(rs.getLong(2) + rs.getLong(3)).as("rows of %s (%d in the view) missing or extra in the snapshot", view, rs.getLong(1))
                                .isZero();
                    }
                }
            } finally {
                s.execute("DETACH checked");
            }
        }
    }

    private static void commit(AnalystSnapshots snapshots) {
        commit(snapshots, List.of(), List.of());
    }

    /** Tells the snapshots of a commit, as the record store does (no cube behind them). */
    static void commit(AnalystSnapshots snapshots, List<FactRow> removed, List<FactRow> added) {
        ReentrantLock lock = new ReentrantLock();
        snapshots.counting(new CommitListener() {
            @Override
            public Lock commitLock() {
                return lock;
            }

            @Override
            public void committed(List<FactRow> removed, List<FactRow> added) {
                // the cube's part; nothing here
            }
        }).committed(removed, added);
    }
}

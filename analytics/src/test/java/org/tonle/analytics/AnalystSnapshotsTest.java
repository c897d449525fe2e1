package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

    private static void commit(AnalystSnapshots snapshots) {
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
        }).committed(List.of(), List.of());
    }
}

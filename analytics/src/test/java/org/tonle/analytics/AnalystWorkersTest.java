package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.CommitListener;
import org.tonle.warehouse.FactRow;
import org.tonle.warehouse.Warehouse;

/**
 * Analysts' statements run in worker processes over the analyst snapshot: what the sandbox lets
 * through but no allowlist can make small (values composed of allowed functions that DuckDB
 * allocates outside its memory_limit) is stopped by the operating-system-level caps, the node's
 * own memory does not move, a killed worker gives a clear answer, and the next statement works.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalystWorkersTest {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    Warehouse warehouse;
    SqlSandbox sandbox;
    AnalystSnapshots snapshots;
    AnalystWorkers workers;

    @BeforeAll
    void open(@TempDir Path dir) throws Exception {
        warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", new Settings.Sql(5, "512MB", 2, "100MB", 0, 2));
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh'), ('SRP', 'Siem Reap')");
        }
        sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(TIMEOUT, 1 << 20, 2));
        snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"));
        workers = new AnalystWorkers(snapshots, warehouse.spillFolder().resolve("analyst-workers"),
                AnalystWorkers.Limits.of(TIMEOUT, 1 << 20, 2, "512MB", 2, "100MB"));
    }

    @AfterAll
    void close() {
        for (AutoCloseable part : new AutoCloseable[] {workers, snapshots, sandbox, warehouse}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                // closing the rest all the same
            }
        }
    }

    SqlSandbox.Rows rows(String sql, int limit) {
        return workers.rows(sandbox.check(sql), limit).value();
    }

    @Test
    void answersKeepTheirJavaTypesAndArrowAnswersToo() throws Exception {
        SqlSandbox.Rows rows = rows("SELECT count(*) AS n, 1::INTEGER AS i, 1.5::DOUBLE AS d, 1.10::DECIMAL(4, 2) AS m, 'ü' AS t,"
                + " NULL AS z, true AS b, DATE '2015-08-09' AS day FROM offices", 10);
        assertThat(rows.columns()).containsExactly("n", "i", "d", "m", "t", "z", "b", "day");
        assertThat(rows.rows().get(0)).containsExactly(2L, 1, 1.5, new BigDecimal("1.10"), "ü", null, true, "2015-08-09");
        assertThat(rows.rows().get(0).get(3).toString()).isEqualTo("1.10");
        SqlSandbox.Rows cut = rows("SELECT date FROM calendar ORDER BY date", 3);
        assertThat(cut.rows()).hasSize(3);
        assertThat(cut.truncated()).isTrue();
        byte[] arrow = workers.arrow(sandbox.check("SELECT code FROM offices ORDER BY code"), 10).value();
        try (RootAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(arrow), allocator)) {
            assertThat(reader.loadNextBatch()).isTrue();
            assertThat(reader.getVectorSchemaRoot().getRowCount()).isEqualTo(2);
        }
    }

    @Test
    void anAnswerPastTheByteCapIsCutSayingSoOrRefusedAsArrow() {
        String big = "SELECT a.date, b.date FROM calendar a, calendar b WHERE b.date < DATE '2000-02-01' ORDER BY ALL";
        SqlSandbox.Rows rows = rows(big, 1_000_000);
        assertThat(rows.cut()).contains("answer size cap of 1 MB");
        assertThat(rows.rows().size()).isBetween(1000, 100_000);
        assertThatThrownBy(() -> workers.arrow(sandbox.check(big), 1_000_000)).isInstanceOf(SqlRefusedException.class)
                .hasMessageContaining("larger than the answer size cap of 1 MB")
                .satisfies(e -> assertThat(((SqlRefusedException) e).rule()).isEqualTo("max_answer_bytes"));
    }

    /** A record commit the store reports is in the next answer, without waiting for the background refresh. */
    @Test
    void anAnswerHoldsEveryCommitMadeBeforeTheStatementArrived() throws Exception {
        rows("SELECT 1", 1);
        ReentrantLock lock = new ReentrantLock();
        CommitListener store = snapshots.counting(new CommitListener() {
            @Override
            public Lock commitLock() {
                return lock;
            }

            @Override
            public void committed(List<FactRow> removed, List<FactRow> added) {
            }
        });
        Instant before = Instant.now();
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO dim_office VALUES ('KPT', 'Kampot')");
        }
        store.committed(List.of(), List.of());
        AnalystWorkers.Answer<SqlSandbox.Rows> answer = workers.rows(sandbox.check("SELECT code FROM offices ORDER BY code"), 10);
        assertThat(answer.value().rows()).extracting(r -> r.get(0)).contains("KPT");
        assertThat(answer.asOf()).isAfterOrEqualTo(before);
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM dim_office WHERE code = 'KPT'");
        }
        store.committed(List.of(), List.of());
        assertThat(rows("SELECT code FROM offices", 10).rows()).extracting(r -> r.get(0)).doesNotContain("KPT");
    }

    /** A change that is no record commit (an office, a declaration) is found by the fingerprint and published within seconds. */
    @Test
    void otherChangesArePublishedInTheBackground() throws Exception {
        rows("SELECT 1", 1);
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO dim_office VALUES ('BTB', 'Battambang')");
        }
        awaitOffices(true);
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM dim_office WHERE code = 'BTB'");
        }
        awaitOffices(false);
    }

    private void awaitOffices(boolean withBattambang) {
        long until = System.nanoTime() + AnalystSnapshots.FINGERPRINT_EVERY.plusSeconds(20).toNanos();
        while (rows("SELECT code FROM offices", 10).rows().stream().map(r -> r.get(0)).toList().contains("BTB") != withBattambang) {
            assertThat(System.nanoTime()).as("the change reached the snapshot in time").isLessThan(until);
            LockSupport.parkNanos(200_000_000);
        }
    }

    /** Defence in depth: the file the workers read holds the views as tables and nothing else. */
    @Test
    void theSnapshotHoldsOnlyTheAnalyticsViews() throws Exception {
        rows("SELECT 1", 1);
        Properties readOnly = new Properties();
        readOnly.setProperty("duckdb.read_only", "true");
        Path file = snapshots.published().file();
        List<String> tables = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, readOnly); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                     + " UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        assertThat(tables).containsExactlyInAnyOrderElementsOf(SqlSandbox.VIEWS);
        assertThat(file.toString()).startsWith(warehouse.spillFolder().toString());
    }

    /**
     * The review's open finding: values composed of allowed functions grow past DuckDB's
     * memory_limit inside one vector operation (3.2 to 3.5 GB under 512 MB when they ran in the
     * node). In a worker, the watchdog or the time limit stops them (or they finish within the
     * worker's caps), the caller hears why within the time limit, the node's own resident size
     * does not grow, and the next statement works.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT length(replace(replace(replace(replace(replace(replace(replace(replace(replace('x','x','xxxxxxxxxx'),"
                    + "'x','xxxxxxxxxx'),'x','xxxxxxxxxx'),'x','xxxxxxxxxx'),'x','xxxxxxxxxx'),'x','xxxxxxxxxx'),'x','xxxxxxxxxx'),"
                    + "'x','xxxxxxxxxx'),'x','xxx'))",
            "SELECT sum(length(replace(replace(replace(replace(replace(month,'-','----------'),'-','----------'),'-','----------'),"
                    + "'-','----------'),'-','----------'))) FROM calendar WHERE date < DATE '2003-01-01'",
            "WITH a AS (SELECT [1,2,3,4,5,6,7,8,9,10,11,12,13,14] AS l), b AS (SELECT flatten(list_transform(l, x -> l)) AS l FROM a),"
                    + " c AS (SELECT flatten(list_transform(l, x -> l)) AS l FROM b), d AS (SELECT flatten(list_transform(l, x -> l)) AS l FROM c)"
                    + " SELECT len(l) FROM d"})
    void valuesComposedOfAllowedFunctionsAreStoppedOutsideTheNode(String sql) {
        String checked = sandbox.check(sql);
        long before = rssMegabytes();
        AtomicLong peak = new AtomicLong(before);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(rssMegabytes(), Math::max);
                LockSupport.parkNanos(20_000_000);
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long started = System.nanoTime();
        try {
            workers.rows(checked, 10);
            // answered: it fitted within the worker's caps (the second one does, at about 0.8 GB)
        } catch (SqlRefusedException e) {
            assertThat(e.rule()).as(e.getMessage()).isIn("memory_limit", "timeout");
        } finally {
            sampler.interrupt();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
        assertThat(peak.get() - before).as("the node's RSS growth in MB").isLessThan(200);
        assertThat(rows("SELECT count(*) FROM offices", 1).rows().get(0).get(0)).isEqualTo(2L);
    }

    /**
     * The watchdog itself: a worker whose resident size passes its cap is stopped for memory, long
     * before the time limit (a loaded machine may grow a value too slowly to reach the default cap
     * within the time limit above, so this worker's cap sits just above what it holds when idle).
     */
    @Test
    void aWorkerPastItsResidentCapIsStoppedForMemoryAndReplaced(@TempDir Path spill) {
        rows("SELECT 1", 1);
        long idle = workers.pids().stream().mapToLong(AnalystWorkers::residentBytes).max().orElseThrow();
        long cap = idle + (150L << 20);
        try (AnalystWorkers small = new AnalystWorkers(snapshots, spill,
                new AnalystWorkers.Limits(Duration.ofSeconds(60), 1 << 20, 1, "512MB", 1, "100MB", cap, 128))) {
            String growing = sandbox.check("WITH a AS (SELECT [1,2,3,4,5,6,7,8,9,10,11,12,13,14] AS l), b AS (SELECT flatten(list_transform(l, x -> l)) AS l FROM a),"
                    + " c AS (SELECT flatten(list_transform(l, x -> l)) AS l FROM b), d AS (SELECT flatten(list_transform(l, x -> l)) AS l FROM c)"
                    + " SELECT len(l) FROM d");
            long started = System.nanoTime();
            assertThatThrownBy(() -> small.rows(growing, 10)).isInstanceOf(SqlRefusedException.class)
                    .hasMessageContaining("needed more memory than an analyst query may use")
                    .satisfies(e -> assertThat(((SqlRefusedException) e).rule()).isEqualTo("memory_limit"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
            assertThat(small.rows(sandbox.check("SELECT count(*) FROM offices"), 1).value().rows().get(0).get(0)).isEqualTo(2L);
        }
    }

    @Test
    void aWorkerKilledMidQueryGivesAClearAnswerAndTheNextStatementWorks() {
        String slow = sandbox.check("SELECT list_count(list_filter(l, x -> md5(md5(md5(md5(x::VARCHAR)))) < '0'))"
                + " FROM (SELECT list(a.date) AS l FROM calendar a, calendar b WHERE b.date < DATE '2000-03-01')");
        CompletableFuture<AnalystWorkers.Answer<SqlSandbox.Rows>> running = CompletableFuture.supplyAsync(() -> workers.rows(slow, 10));
        long pid = waitForABusyWorker();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
        assertThatThrownBy(running::join).hasCauseInstanceOf(SqlRefusedException.class)
                .hasMessageContaining("stopped before it answered")
                .satisfies(e -> assertThat(((SqlRefusedException) e.getCause()).rule()).isEqualTo("worker_died"));
        assertThat(rows("SELECT count(*) FROM offices", 1).rows().get(0).get(0)).isEqualTo(2L);
    }

    @Test
    void theTimeLimitHoldsAndTheNextStatementWorks() {
        String slow = sandbox.check("SELECT list_count(list_filter(l, x -> md5(md5(md5(md5(md5(md5(md5(md5(x::VARCHAR)))))))) < '0'))"
                + " FROM (SELECT list(a.date) AS l FROM calendar a, calendar b WHERE b.date < DATE '2001-06-01')");
        long started = System.nanoTime();
        assertThatThrownBy(() -> workers.rows(slow, 10)).isInstanceOf(SqlRefusedException.class)
                .hasMessageContaining("ran longer than 5 s").satisfies(e -> assertThat(((SqlRefusedException) e).timedOut()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plusSeconds(2));
        assertThat(rows("SELECT count(*) FROM offices", 1).rows().get(0).get(0)).isEqualTo(2L);
    }

    /**
     * A statement that finds the only worker busy with one that outlives DuckDB's interrupt (so
     * the worker is killed at the time limit plus the grace) waits for the replacement instead of
     * being refused at its own time limit, while the busy worker was still bound to free up.
     */
    @Test
    void aStatementWaitsForAWorkerHeldToItsLimitInsteadOfBeingRefused(@TempDir Path spill) {
        try (AnalystWorkers one = new AnalystWorkers(snapshots, spill, AnalystWorkers.Limits.of(Duration.ofSeconds(1), 1 << 20, 1, "512MB", 1, "100MB"))) {
            assertThat(one.rows(sandbox.check("SELECT 1"), 1).value().rows()).hasSize(1);
            String outlivesItsInterrupt = sandbox.check("SELECT list_count(list_filter(l, x -> md5(md5(md5(md5(md5(md5(md5(md5(md5(md5(md5(md5("
                    + "x::VARCHAR)))))))))))) < '0')) FROM (SELECT list(a.date) AS l FROM calendar a, calendar b WHERE b.date < DATE '2001-01-01')");
            CompletableFuture<AnalystWorkers.Answer<SqlSandbox.Rows>> holding = CompletableFuture.supplyAsync(() -> one.rows(outlivesItsInterrupt, 10));
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (one.busyPids().isEmpty() && System.nanoTime() < until) {
                LockSupport.parkNanos(2_000_000);
            }
            assertThat(one.busyPids()).as("the first statement holds the only worker").hasSize(1);
            assertThat(one.rows(sandbox.check("SELECT count(*) FROM offices"), 1).value().rows().get(0).get(0)).isEqualTo(2L);
            assertThatThrownBy(holding::join).hasCauseInstanceOf(SqlRefusedException.class)
                    .satisfies(e -> assertThat(((SqlRefusedException) e.getCause()).timedOut()).isTrue());
        }
    }

    private long waitForABusyWorker() {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            List<Long> busy = workers.busyPids();
            if (!busy.isEmpty()) {
                return busy.get(0);
            }
            LockSupport.parkNanos(2_000_000);
        }
        throw new AssertionError("no worker became busy");
    }

    private static long rssMegabytes() {
        return AnalystWorkers.residentBytes(ProcessHandle.current().pid()) >> 20;
    }
}

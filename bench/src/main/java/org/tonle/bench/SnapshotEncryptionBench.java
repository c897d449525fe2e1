package org.tonle.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import com.sun.management.OperatingSystemMXBean;

import org.tonle.analytics.AnalystSnapshots;
import org.tonle.analytics.AnalystWorkers;
import org.tonle.analytics.SqlSandbox;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.CommitListener;
import org.tonle.warehouse.FactRow;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;

/**
 * {@code bin/bench snapshot-encryption [FACTS] [CHANGED] [ROUNDS]}: what encrypting the analyst
 * snapshot costs (warehouse.encryption on), in one run: a plain and an encrypted warehouse of
 * FACTS (default 1 000 000) facts, alternately (plain, encrypted, ... for ROUNDS pairs, default
 * 3), each fresh; in each the first snapshot (a full copy of the views), then CHANGED (default
 * 10 000) new records and the incremental snapshot (the previous file copied, then updated), and
 * a quarter's breakdown through an analyst worker (which reads and decrypts the snapshot). Wall
 * time and the process's CPU time per copy; the medians per mode are the figures. The encrypted
 * warehouse uses DuckDB's built-in crypto module as the build machines have no httpfs.
 */
public final class SnapshotEncryptionBench {

    private static final String QUARTER = """
            SELECT office, sex, count(DISTINCT subject_key) AS persons, count(*) AS records
            FROM activities WHERE activity_date >= DATE '2015-07-01' AND activity_date < DATE '2015-10-01'
            GROUP BY ALL ORDER BY ALL""";

    private SnapshotEncryptionBench() {
    }

    public static void main(String[] args) throws Exception {
        long facts = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int changed = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path root = Files.createTempDirectory("tonle-bench-snapshot-encryption");
        System.out.printf("Analyst snapshot, plain vs encrypted warehouse: %,d facts, %,d changed records, %d rounds, %d cores%n",
                facts, changed, rounds, Runtime.getRuntime().availableProcessors());
        // [mode][figure]: full ms, full CPU ms, incremental ms, incremental CPU ms, query p50 ms, snapshot bytes
        List<List<double[]>> results = List.of(new ArrayList<>(), new ArrayList<>());
        try {
            for (int round = 0; round < rounds; round++) {
                for (boolean encrypted : new boolean[] {false, true}) {
                    Path dir = root.resolve("round-" + round + (encrypted ? "-encrypted" : "-plain"));
                    double[] figures = run(dir, encrypted, facts, changed);
                    results.get(encrypted ? 1 : 0).add(figures);
                    System.out.printf("round %d %-9s full copy %,7.0f ms (CPU %,7.0f ms), incremental %,6.0f ms (CPU %,6.0f ms),"
                                    + " quarter in a worker p50 %6.1f ms, snapshot %,d bytes, load average %.2f%n", round + 1,
                            encrypted ? "encrypted" : "plain", figures[0], figures[1], figures[2], figures[3], figures[4], (long) figures[5], load());
                    Scratch.delete(dir);
                }
            }
            String[] names = {"full copy ms", "full copy CPU ms", "incremental ms", "incremental CPU ms", "quarter in a worker p50 ms"};
            for (int i = 0; i < names.length; i++) {
                double plain = median(results.get(0), i);
                double encrypted = median(results.get(1), i);
                System.out.printf("median %-28s plain %,9.1f  encrypted %,9.1f  (%+.0f %%)%n", names[i], plain, encrypted,
                        100 * (encrypted / plain - 1));
            }
        } finally {
            Scratch.delete(root);
        }
    }

    private static double[] run(Path dir, boolean encrypted, long facts, int changed) throws Exception {
        Settings.Sql limits = new Settings.Sql(60, "2GB", 0, "4GB", 0, 1);
        Path file = dir.resolve("tonle.duckdb");
        Duration timeout = Duration.ofSeconds(120);
        try (Warehouse warehouse = encrypted ? Warehouse.open(file, "64MB", limits, randomKey()) : Warehouse.open(file, "64MB", limits);
             SqlSandbox sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(timeout, 0, 1));
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"));
             AnalystWorkers workers = new AnalystWorkers(snapshots, warehouse.spillFolder().resolve("analyst-workers"),
                     AnalystWorkers.Limits.of(timeout, 64L << 20, 1, "2GB", 0, "4GB"))) {
            load(warehouse, 0, facts);
            warehouse.checkpoint();
            double[] figures = new double[6];
            long wall = System.nanoTime();
            long cpu = cpu();
            AnalystSnapshots.Snapshot first = snapshots.current();
            figures[0] = (System.nanoTime() - wall) / 1e6;
            figures[1] = (cpu() - cpu) / 1e6;
            figures[5] = Files.size(first.file());

            load(warehouse, facts, facts + changed);
            committed(snapshots, ids(warehouse, facts, facts + changed));
            wall = System.nanoTime();
            cpu = cpu();
            AnalystSnapshots.Snapshot second = snapshots.current();
            figures[2] = (System.nanoTime() - wall) / 1e6;
            figures[3] = (cpu() - cpu) / 1e6;
            if (second.generation() == first.generation()) {
                throw new IllegalStateException("no second snapshot was made");
            }

            double[] query = new double[20];
            for (int i = -3; i < query.length; i++) {
                long t = System.nanoTime();
                workers.rows(sandbox.check(QUARTER), 1000);
                if (i >= 0) {
                    query[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            Arrays.sort(query);
            figures[4] = query[query.length / 2];
            return figures;
        }
    }

    /** Facts {@code from} until {@code to}, record ids {@code md5('bench-' || i)}. */
    private static void load(Warehouse warehouse, long from, long to) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            if (from == 0) {
                s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh'), ('SRP', 'Siem Reap'), ('SHV', 'Sihanoukville')");
            }
            s.execute("""
                    INSERT INTO fact_activity
                    SELECT md5('bench-' || i)::UUID, 'social', 'client_contact', ['PNH', 'SRP', 'SHV'][1 + i %% 3],
                           DATE '2015-01-01' + (i * 365 // %d)::INTEGER,
                           md5(((i * 7919) %% %d)::VARCHAR)::UUID, 'client', ['F', 'M', 'X', 'U'][1 + i %% 4],
                           (i %% 18)::SMALLINT, '12-14', 1, '{}'
                    FROM range(%d, %d) t(i)""".formatted(Math.max(1, to), Math.max(1, to / 5), from, to));
        }
    }

    private static List<FactRow> ids(Warehouse warehouse, long from, long to) throws SQLException {
        List<FactRow> rows = new ArrayList<>();
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT md5('bench-' || i)::UUID::VARCHAR FROM range(%d, %d) t(i)".formatted(from, to))) {
            while (rs.next()) {
                rows.add(new FactRow(UUID.fromString(rs.getString(1)), null, null, null, null, null, null, null, null, 0, Map.of(), List.of()));
            }
        }
        return rows;
    }

    /** Tells the snapshots of a commit of {@code added}, as the record store does. */
    private static void committed(AnalystSnapshots snapshots, List<FactRow> added) {
        ReentrantLock lock = new ReentrantLock();
        snapshots.counting(new CommitListener() {
            @Override
            public Lock commitLock() {
                return lock;
            }

            @Override
            public void committed(List<FactRow> removed, List<FactRow> added) {
                // the cube's part; none here
            }
        }).committed(List.of(), added);
    }

    private static WarehouseKey randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new WarehouseKey(key, true);
    }

    private static long cpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double median(List<double[]> runs, int figure) {
        double[] values = runs.stream().mapToDouble(r -> r[figure]).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}

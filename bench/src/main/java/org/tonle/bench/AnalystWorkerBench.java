package org.tonle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;

import org.tonle.analytics.AnalystSnapshots;
import org.tonle.analytics.AnalystWorkers;
import org.tonle.analytics.SqlSandbox;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.Warehouse;

/**
 * What running analysts' statements in a worker process adds: the same statements through
 * {@link SqlSandbox#rows} (check and run in the node, as before the workers) and through the
 * sandbox's check plus {@link AnalystWorkers} (the {@code POST /api/v1/sql} path now), warm,
 * on one warehouse; and what publishing the analyst snapshot costs at this size.
 *
 * <p>Run: {@code java -cp ... org.tonle.bench.AnalystWorkerBench [rows]} (docs/PERFORMANCE.md).
 */
public final class AnalystWorkerBench {

    private static final String SIMPLE = "SELECT code, name FROM offices ORDER BY code";
    private static final String QUARTER = """
            SELECT office, sex, count(DISTINCT subject_key) AS persons, count(*) AS records
            FROM activities WHERE activity_date >= DATE '2015-07-01' AND activity_date < DATE '2015-10-01'
            GROUP BY ALL ORDER BY ALL""";

    private AnalystWorkerBench() {
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int runs = 50;
        Path dir = Files.createTempDirectory("tonle-worker-bench");
        Duration timeout = Duration.ofSeconds(60);
        try (Warehouse warehouse = Warehouse.open(dir.resolve("tonle.duckdb"), "64MB", new Settings.Sql(60, "2GB", 0, "4GB", 0, 1));
             SqlSandbox sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(timeout, 0, 1));
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"));
             AnalystWorkers workers = new AnalystWorkers(snapshots, warehouse.spillFolder().resolve("analyst-workers"),
                     AnalystWorkers.Limits.of(timeout, 64L << 20, 1, "2GB", 0, "4GB"))) {
            load(warehouse, rows);
            long t0 = System.nanoTime();
            snapshots.current();
            double publish = (System.nanoTime() - t0) / 1e6;
            System.out.printf("AnalystWorkerBench: %,d fact rows, %d runs each, warm%n", rows, runs);
            System.out.printf("  analyst snapshot published (all views copied) in %.0f ms%n", publish);
            for (String query : new String[] {SIMPLE, QUARTER}) {
                double[] inNode = new double[runs];
                double[] inWorker = new double[runs];
                for (int i = -5; i < runs; i++) {   // five warm-up rounds
                    long a = System.nanoTime();
                    sandbox.rows(query, 1000);
                    long b = System.nanoTime();
                    workers.rows(sandbox.check(query), 1000);
                    long c = System.nanoTime();
                    if (i >= 0) {
                        inNode[i] = (b - a) / 1e6;
                        inWorker[i] = (c - b) / 1e6;
                    }
                }
                System.out.println("  " + query.lines().findFirst().orElse(query).strip() + (query.contains("\n") ? " ..." : ""));
                print("before: check and run in the node (SqlSandbox.rows)", inNode);
                print("after: check in the node, run in a worker", inWorker);
            }
        } finally {
            Scratch.delete(dir);
        }
    }

    private static void load(Warehouse warehouse, long rows) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh'), ('SRP', 'Siem Reap'), ('SHV', 'Sihanoukville')");
            s.execute("""
                    INSERT INTO fact_activity
                    SELECT uuid(), 'social', 'client_contact', ['PNH', 'SRP', 'SHV'][1 + i %% 3],
                           DATE '2015-01-01' + (i * 365 // %d)::INTEGER,
                           md5(((i * 7919) %% %d)::VARCHAR)::UUID, 'client', ['F', 'M', 'X', 'U'][1 + i %% 4],
                           (i %% 18)::SMALLINT, '12-14', 1, '{}'
                    FROM range(%d) t(i)""".formatted(rows, Math.max(1, rows / 5), rows));
        }
    }

    private static void print(String label, double[] millis) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        System.out.printf("    %-52s p50 %7.2f ms   p90 %7.2f ms%n", label, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)]);
    }
}

package org.tonle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;

import org.tonle.analytics.SqlSandbox;
import org.tonle.core.Json;
import org.tonle.warehouse.Warehouse;

/**
 * What the ad-hoc SQL sandbox costs: the same query over N synthetic fact rows run directly on
 * the warehouse (baseline) and through {@link SqlSandbox#rows} (parse, tree check, rendering,
 * row cap, timeout watch), plus the check alone. p50 and p90 over repeated runs; then the check
 * alone many times (p50, p99) against the former check's DuckDB calls.
 *
 * <p>Run: {@code java -cp ... org.tonle.bench.SqlSandboxBench [rows [check runs]]} (docs/PERFORMANCE.md).
 */
public final class SqlSandboxBench {

    private static final String QUERY = """
            SELECT office, sex, count(DISTINCT subject_key) AS persons, count(*) AS records
            FROM %s WHERE activity_date >= DATE '2015-07-01' AND activity_date < DATE '2015-10-01'
            GROUP BY ALL ORDER BY ALL""";

    private SqlSandboxBench() {
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int runs = 30;
        Path dir = Files.createTempDirectory("tonle-sql-bench");
        try (Warehouse warehouse = Warehouse.open(dir.resolve("tonle.duckdb"));
             SqlSandbox sandbox = new SqlSandbox(warehouse, Duration.ofSeconds(60))) {
            load(warehouse, rows);
            double[] direct = new double[runs];
            double[] sandboxed = new double[runs];
            double[] checkOnly = new double[runs];
            String viaView = QUERY.formatted("activities");
            for (int i = -3; i < runs; i++) {   // three warm-up rounds
                long t0 = System.nanoTime();
                directRun(warehouse, QUERY.formatted("fact_activity"));
                long t1 = System.nanoTime();
                sandbox.rows(viaView, 1000);
                long t2 = System.nanoTime();
                sandbox.check(viaView);
                long t3 = System.nanoTime();
                if (i >= 0) {
                    direct[i] = (t1 - t0) / 1e6;
                    sandboxed[i] = (t2 - t1) / 1e6;
                    checkOnly[i] = (t3 - t2) / 1e6;
                }
            }
            System.out.printf("SqlSandboxBench: %,d fact rows, %d runs, a quarter by office x sex, distinct persons%n", rows, runs);
            print("baseline: direct JDBC on fact_activity", direct);
            print("POST /api/v1/sql path: SqlSandbox.rows on activities", sandboxed);
            print("SqlSandbox.check alone (the same text again: remembered)", checkOnly);
            checks(warehouse, sandbox, args.length > 1 ? Integer.parseInt(args[1]) : 2000);
        } finally {
            Scratch.delete(dir);
        }
    }

    /**
     * The check alone, many times, p50 and p99: each statement new (a different date, so no
     * remembered check applies), the same statement again (a dashboard's), and as baseline the
     * two DuckDB calls the check made before on a warehouse connection of its own (parse to JSON,
     * read the JSON, render it back; no tree walk), interleaved so all three see the same load.
     */
    private static void checks(Warehouse warehouse, SqlSandbox sandbox, int runs) throws Exception {
        String repeated = QUERY.formatted("activities");
        double[] fresh = new double[runs];
        double[] again = new double[runs];
        double[] before = new double[runs];
        int warmup = Math.max(200, runs / 10);
        for (int i = -warmup; i < runs; i++) {
            String text = QUERY.formatted("activities").replace("2015-07-01", LocalDate.of(2000, 1, 1).plusDays(i + warmup).toString());
            long t0 = System.nanoTime();
            sandbox.check(text);
            long t1 = System.nanoTime();
            sandbox.check(repeated);
            long t2 = System.nanoTime();
            formerCheck(warehouse, text);
            long t3 = System.nanoTime();
            if (i >= 0) {
                fresh[i] = (t1 - t0) / 1e6;
                again[i] = (t2 - t1) / 1e6;
                before[i] = (t3 - t2) / 1e6;
            }
        }
        System.out.printf("SqlSandbox.check, %d runs each after %d warm-up runs, interleaved; load average %s%n", runs, warmup, loadAverage());
        print99("baseline: the former check's two DuckDB calls (warehouse conn.)", before);
        print99("check of a statement not seen before", fresh);
        print99("check of a statement checked before (the same text)", again);
    }

    private static void formerCheck(Warehouse warehouse, String sql) throws Exception {
        try (Connection c = warehouse.connect()) {
            String tree;
            try (PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
                ps.setString(1, sql);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    tree = Json.MAPPER.readTree(rs.getString(1)).toString();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT json_deserialize_sql(?::JSON)")) {
                ps.setString(1, tree);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rs.getString(1);
                }
            }
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void print99(String label, double[] millis) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        System.out.printf("  %-66s p50 %7.3f ms   p99 %7.3f ms%n", label, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.99)]);
    }

    private static void load(Warehouse warehouse, long rows) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO fact_activity
                    SELECT uuid(), 'social', 'client_contact', ['PNH', 'SRP', 'SHV'][1 + i %% 3],
                           DATE '2015-01-01' + (i * 365 // %d)::INTEGER,
                           md5(((i * 7919) %% %d)::VARCHAR)::UUID, 'client', ['F', 'M', 'X', 'U'][1 + i %% 4],
                           (i %% 18)::SMALLINT, '12-14', 1, '{}'
                    FROM range(%d) t(i)""".formatted(rows, Math.max(1, rows / 5), rows));
        }
    }

    private static void directRun(Warehouse warehouse, String sql) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    private static void print(String label, double[] millis) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        System.out.printf("  %-58s p50 %7.2f ms   p90 %7.2f ms%n", label, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)]);
    }
}

package org.tonle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * {@code bin/bench pipelined-commit [ROWS_A_COMMIT] [COMMITS] [ROUNDS]}: whether a second
 * connection appending the next transaction's rows while the first one commits (its WAL write
 * and fsync) would pay, on raw DuckDB, before the pipeline is changed for it. Serial: one
 * connection, BEGIN, append, COMMIT, again. Pipelined: two connections taking transactions in
 * turn; a transaction's rows are appended after the previous transaction's, and it commits only
 * after the previous one committed, as Tonle's single writer would need to keep its order.
 * Rows shaped like {@code record_version} and {@code fact_activity}; one DuckDB thread, the WAL
 * folded at 256MB, as the node's warehouse. Rounds alternate, each on a fresh file.
 */
public final class PipelinedCommitBench {

    private static final String BODY = "{\"id\":\"7d0c3c52-1f7e-4c9a-9d55-2f3f1b0e6a11\",\"program\":\"social\",\"activity\":\"client_contact\","
            + "\"office\":\"PNH\",\"date\":\"2026-10-01\",\"subject\":{\"key\":\"0123456789abcdef0123456789abcdef\",\"sex\":\"F\",\"age\":12},"
            + "\"attributes\":{\"service\":\"counselling\"}}";
    private static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int commits = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf("pipelined commit: %,d rows a commit, %,d commits, %d rounds%n", rows, commits, rounds);
        double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            double serial = run(false, rows, commits);
            double pipelined = run(true, rows, commits);
            ratios[round] = pipelined / serial;
            System.out.printf("round %d: serial %,10.0f rows/s, pipelined %,10.0f rows/s: %.2f x%n", round + 1, serial, pipelined, ratios[round]);
        }
        java.util.Arrays.sort(ratios);
        System.out.printf("median pipelined / serial: %.2f x%n", ratios[rounds / 2]);
    }

    private static double run(boolean pipelined, int rows, int commits) throws Exception {
        Path folder = Files.createTempDirectory("tonle-bench-pipelined-commit");
        try (DuckDBConnection first = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + folder.resolve("w.duckdb"));
             Statement s = first.createStatement()) {
            s.execute("SET threads = 1");
            s.execute("SET checkpoint_threshold = '256MB'");
            s.execute("CREATE TABLE record_version (record_id UUID, version INTEGER, action VARCHAR, content_hash VARCHAR, body VARCHAR,"
                    + " recorded_at TIMESTAMPTZ, recorded_by VARCHAR, source VARCHAR)");
            s.execute("CREATE TABLE fact_activity (record_id UUID, program VARCHAR, activity VARCHAR, office VARCHAR, activity_date DATE,"
                    + " subject_key UUID, sex VARCHAR, count INTEGER)");
            try (DuckDBConnection second = (DuckDBConnection) first.duplicate()) {
                long started = System.nanoTime();
                if (pipelined) {
                    pipelined(new DuckDBConnection[] {first, second}, rows, commits);
                } else {
                    for (int i = 0; i < commits; i++) {
                        transaction(first, rows);
                        execute(first, "COMMIT");
                    }
                }
                s.execute("CHECKPOINT");
                double seconds = (System.nanoTime() - started) / 1e9;
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM record_version")) {
                    rs.next();
                    if (rs.getLong(1) != (long) rows * commits) {
                        throw new IllegalStateException("expected " + (long) rows * commits + " rows, found " + rs.getLong(1));
                    }
                }
                return rows * (double) commits / seconds;
            }
        } finally {
            Scratch.delete(folder);
        }
    }

    /** Lane {@code l} takes transactions l, l + 2, …: appended in order, committed in order. */
    private static void pipelined(DuckDBConnection[] lanes, int rows, int commits) throws Exception {
        Object appendOrder = new Object();
        Semaphore[] turn = {new Semaphore(1), new Semaphore(0)};
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int lane = 0; lane < 2; lane++) {
                int l = lane;
                done.add(threads.submit(() -> {
                    for (int i = l; i < commits; i += 2) {
                        synchronized (appendOrder) {
                            transaction(lanes[l], rows);
                        }
                        turn[l].acquireUninterruptibly();
                        execute(lanes[l], "COMMIT");
                        turn[1 - l].release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdown();
        }
    }

    private static void transaction(DuckDBConnection c, int rows) throws SQLException {
        execute(c, "BEGIN");
        OffsetDateTime now = OffsetDateTime.now();
        LocalDate day = LocalDate.of(2026, 10, 1);
        try (DuckDBAppender versions = c.createAppender("record_version"); DuckDBAppender facts = c.createAppender("fact_activity")) {
            for (int i = 0; i < rows; i++) {
                UUID id = UUID.randomUUID();
                versions.beginRow().append(id).append(1).append("create").append(HASH).append(BODY).append(now).append("bench")
                        .append("http").endRow();
                facts.beginRow().append(id).append("social").append("client_contact").append("PNH").append(day).append(UUID.randomUUID())
                        .append("F").append(1).endRow();
            }
        }
    }

    private static void execute(DuckDBConnection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}

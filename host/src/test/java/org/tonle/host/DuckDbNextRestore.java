package org.tonle.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs in a child JVM whose class path holds only this class and another DuckDB's JDBC jar:
 * builds a warehouse of that DuckDB from a backup's Parquet files, opens it again, and prints
 * its version and the figures of {@link #FIGURES}, one line each. Uses nothing but JDBC, so the
 * same queries run unchanged against the node's own DuckDB for the comparison.
 */
public final class DuckDbNextRestore {

    /** Figures over the restored tables: counts, sums and distinct persons by month, programme, office, and a year. */
    public static final List<String> FIGURES = List.of(
            "SELECT count(*), count(DISTINCT record_id), count(DISTINCT content_hash) FROM record_version",
            "SELECT program, office, strftime(activity_date, '%Y-%m') AS month, sum(count), count(DISTINCT subject_key)"
                    + " FROM fact_activity GROUP BY ALL ORDER BY ALL",
            "SELECT program, activity, sex, age_band, role, count(*), sum(count) FROM fact_activity GROUP BY ALL ORDER BY ALL",
            "SELECT count(DISTINCT subject_key) FROM fact_activity WHERE activity_date BETWEEN DATE '2015-01-01' AND DATE '2015-12-31'",
            "SELECT program, participant_group, sex, sum(count) FROM fact_participants GROUP BY ALL ORDER BY ALL",
            "SELECT code, name FROM dim_office ORDER BY code",
            "SELECT name, value FROM node_setting ORDER BY name");

    private DuckDbNextRestore() {
    }

    /** args: the folder of Parquet files, the database file to create. */
    public static void main(String[] args) throws Exception {
        Path tables = Path.of(args[0]);
        String url = "jdbc:duckdb:" + Path.of(args[1]).toAbsolutePath();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (Path file : parquetFiles(tables)) {
                String name = file.getFileName().toString().replace(".parquet", "");
                s.execute("CREATE TABLE \"" + name + "\" AS SELECT * FROM read_parquet('" + file.toAbsolutePath() + "')");
            }
        }
        // Opened afresh: the figures come from the new file, not from the loading session.
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            System.out.println("version\t" + rows(s, "SELECT version()"));
            for (String figure : FIGURES) {
                System.out.println("figure\t" + rows(s, figure));
            }
        }
    }

    static List<Path> parquetFiles(Path tables) throws IOException {
        try (Stream<Path> files = Files.list(tables)) {
            return files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList();
        }
    }

    /** A result as one line: rows separated by " | ", values by ", ". */
    public static String rows(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(String.valueOf(rs.getObject(i)));
                }
                rows.add(String.join(", ", values));
            }
        }
        return String.join(" | ", rows);
    }
}

package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Settings;

/**
 * The instance-wide lock of the warehouse (no file outside its spill folder, not even in the
 * data directory, no network, settings frozen) leaves the node's own work running: writes,
 * checkpoints, and reopening with migrations.
 */
class WarehouseLockDownTest {

    @Test
    void theNodesOwnWorkRunsAndNothingReachesOutside(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path outside = dir.resolve("outside.csv");
        try (Warehouse warehouse = Warehouse.open(data.resolve("tonle.duckdb"));
             Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh')");
            s.execute("CHECKPOINT");
            assertThat(refusal(warehouse, "COPY (SELECT * FROM dim_office) TO '" + data.resolve("export.parquet") + "' (FORMAT parquet)"))
                    .contains("disabled by configuration");
            assertThat(data.resolve("export.parquet")).doesNotExist();
            Files.writeString(data.resolve("key"), "secret");
            assertThat(refusal(warehouse, "SELECT * FROM read_text('" + data.resolve("key") + "')")).contains("disabled by configuration");
            // The default secrets folder, <data>/secrets, is not the one folder DuckDB may touch.
            Files.createDirectories(data.resolve("secrets"));
            Files.writeString(data.resolve("secrets/subject-key"), "secret");
            assertThat(refusal(warehouse, "SELECT * FROM read_text('" + data.resolve("secrets/subject-key") + "')"))
                    .contains("disabled by configuration");
            assertThat(refusal(warehouse, "SELECT * FROM read_blob('" + data.resolve("secrets") + "/*')")).contains("disabled by configuration");
            assertThat(refusal(warehouse, "COPY (SELECT 1) TO '" + outside + "'")).contains("disabled by configuration");
            assertThat(refusal(warehouse, "SELECT * FROM read_text('/etc/hostname')")).contains("disabled by configuration");
            assertThat(refusal(warehouse, "SET enable_external_access = true")).contains("locked");
            assertThat(refusal(warehouse, "ATTACH '" + dir.resolve("other.duckdb") + "' AS other")).isNotBlank();
        }
        assertThat(Files.exists(outside)).isFalse();
        assertThat(Files.exists(dir.resolve("other.duckdb"))).isFalse();
        try (Warehouse reopened = Warehouse.open(data.resolve("tonle.duckdb"));
             Connection c = reopened.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM offices")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
    }

    /** The error a statement fails with (DuckDB closes a statement after an error, so one each). */
    private static String refusal(Warehouse warehouse, String sql) {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            return e.getMessage();
        }
        throw new AssertionError("not refused: " + sql);
    }

    /** DuckDB's 16MB would make bulk loads rewrite row groups at every few thousand records. */
    @Test
    void theWriteAheadLogIsFoldedAtTheGivenSizeAndThatStaysLocked(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("default.duckdb"))) {
            assertThat(setting(warehouse, "checkpoint_threshold")).isEqualTo("244.1 MiB");
        }
        try (Warehouse warehouse = Warehouse.open(dir.resolve("small.duckdb"), "128MB")) {
            assertThat(setting(warehouse, "checkpoint_threshold")).isEqualTo("122.0 MiB");
            assertThat(refusal(warehouse, "SET checkpoint_threshold = '1MB'")).contains("locked");
        }
    }

    /** warehouse.threads: one DuckDB thread by default (DuckDB 1.5 busy-spins with more), N when configured, locked. */
    @Test
    void theInstanceRunsOnTheConfiguredThreadsAndThatStaysLocked(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("default.duckdb"))) {
            assertThat(setting(warehouse, "threads")).isEqualTo("1");
            assertThat(refusal(warehouse, "SET threads = 8")).contains("locked");
            assertThat(refusal(warehouse, "RESET threads")).contains("locked");
        }
        // sql.threads is the analyst workers', not this instance's.
        try (Warehouse warehouse = Warehouse.open(dir.resolve("three.duckdb"), new Settings.Warehouse(null, null, 3),
                new Settings.Sql(5, "300MB", 2, "100MB", 0, 1), null)) {
            assertThat(setting(warehouse, "threads")).isEqualTo("3");
            assertThat(refusal(warehouse, "SET threads = 1")).contains("locked");
        }
        try (Warehouse warehouse = Warehouse.open(dir.resolve("cores.duckdb"), new Settings.Warehouse(null, null, 0),
                new Settings.Sql(5), null)) {
            assertThat(setting(warehouse, "threads")).isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
    }

    private static String setting(Warehouse warehouse, String name) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}

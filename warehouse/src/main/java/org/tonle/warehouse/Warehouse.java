package org.tonle.warehouse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

import org.duckdb.DuckDBConnection;
import org.tonle.core.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DuckDB warehouse file. One root connection per node; every unit of work takes a
 * {@link #connect() duplicate}. Only one process opens a file for writing (DuckDB locks it).
 */
public final class Warehouse implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);

    private final Path file;
    private final DuckDBConnection root;

    private Warehouse(Path file, DuckDBConnection root) {
        this.file = file;
        this.root = root;
    }

    /** Opens (creating if needed) the warehouse file and brings its schema up to date. */
    public static Warehouse open(Path file) {
        return open(file, new Settings.Warehouse(null).checkpointWal());
    }

    /**
     * @param checkpointWal the write-ahead log size (e.g. {@code 256MB}) at which DuckDB folds the
     *                      log into the file; a larger log means fewer rewrites, and a longer
     *                      replay at start after a crash
     */
    public static Warehouse open(Path file, String checkpointWal) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Properties properties = new Properties();
            // Children's data: no telemetry, no extension downloads.
            properties.setProperty("autoinstall_known_extensions", "false");
            properties.setProperty("autoload_known_extensions", "false");
            properties.setProperty("checkpoint_threshold", checkpointWal);
            DuckDBConnection root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath(), properties);
            Warehouse warehouse = new Warehouse(file, root);
            warehouse.migrate();
            warehouse.lockDown();
            return warehouse;
        } catch (SQLException | IOException e) {
            throw new WarehouseException("cannot open the warehouse " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** A new connection to the same database, for one unit of work; close it after use. */
    public DuckDBConnection connect() {
        try {
            return (DuckDBConnection) root.duplicate();
        } catch (SQLException e) {
            throw new WarehouseException("cannot connect to the warehouse: " + e.getMessage(), e);
        }
    }

    private void migrate() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_migration (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)");
            boolean applied = false;
            for (String name : resourceLines("migrations/ORDER")) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM schema_migration WHERE name = '" + name + "'")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        continue;
                    }
                }
                c.setAutoCommit(false);
                try {
                    s.execute(Sql.load("migrations/" + name));
                    s.execute("INSERT INTO schema_migration VALUES ('" + name + "', now())");
                    c.commit();
                    applied = true;
                    LOG.info("Warehouse migration {} applied", name);
                } catch (SQLException e) {
                    c.rollback();
                    throw new SQLException("migration " + name + " failed: " + e.getMessage(), e);
                } finally {
                    c.setAutoCommit(true);
                }
            }
            if (applied) {
                // Schema changes go into the file at once, never left to a WAL replay: DuckDB
                // 1.5.6 cannot replay an ALTER TABLE of a table whose default calls nextval
                // (dead_letter, migration 006) after a crash, and the node would not start.
                s.execute("CHECKPOINT");
            }
        }
    }

    /**
     * Ad-hoc SQL runs on this same instance, and DuckDB has no GRANTs: these settings hold for
     * the whole instance, so no statement (an analyst's or the node's own) can read or write a
     * file outside the data directory, reach the network, or change them back.
     */
    private void lockDown() throws SQLException {
        String dataDir = file.toAbsolutePath().getParent().toString().replace("'", "''") + "/";
        try (Statement s = root.createStatement()) {
            s.execute("SET allowed_directories = ['" + dataDir + "']");
            s.execute("SET enable_external_access = false");
            s.execute("SET lock_configuration = true");
        }
    }

    private static List<String> resourceLines(String name) {
        try (InputStream in = Warehouse.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new WarehouseException("missing resource " + name, null);
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::trim).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new WarehouseException("cannot read " + name, e);
        }
    }

    /** Makes a checkpoint so that the file holds everything and the WAL is empty. */
    public void checkpoint() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            LOG.warn("Checkpoint failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            root.close();
        } catch (SQLException e) {
            LOG.warn("Closing the warehouse failed: {}", e.getMessage());
        }
    }
}

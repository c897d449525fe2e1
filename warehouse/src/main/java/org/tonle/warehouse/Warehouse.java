package org.tonle.warehouse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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

    /** The name an encrypted warehouse file is attached under (a plain one is DuckDB's main database). */
    private static final String ENCRYPTED = "tonle";

    private final Path file;
    private final DuckDBConnection root;
    private final boolean encrypted;
    /** Whether the configuration accepts DuckDB's built-in crypto module where httpfs (OpenSSL) does not load. */
    private final boolean builtinCrypto;
    /** Null for a plain warehouse; else what seals the indicator cube's file under the warehouse key. */
    private final SealedFiles cubeSeal;

    private Warehouse(Path file, DuckDBConnection root, WarehouseKey key) {
        this.file = file;
        this.root = root;
        this.encrypted = key != null;
        this.builtinCrypto = key != null && key.builtinCrypto();
        this.cubeSeal = key == null ? null : new SealedFiles(key, "indicator cube");
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
        return open(file, checkpointWal, new Settings.Sql(0));
    }

    /**
     * @param limits the instance's memory and spill space (its threads: {@code warehouse.threads},
     *               default 1, see {@link Settings.Warehouse})
     */
    public static Warehouse open(Path file, String checkpointWal, Settings.Sql limits) {
        return open(file, new Settings.Warehouse(checkpointWal), limits, null);
    }

    /**
     * @param key the key the file is encrypted with (DuckDB database encryption), or null for a
     *            plain file; a new file is created encrypted with it
     */
    public static Warehouse open(Path file, String checkpointWal, Settings.Sql limits, WarehouseKey key) {
        return open(file, new Settings.Warehouse(checkpointWal), limits, key);
    }

    /**
     * @param settings {@code warehouse} of tonle.yaml: the log size for checkpoints and DuckDB's
     *                 threads in this instance ({@code threads}, default 1: see
     *                 {@link Settings.Warehouse})
     */
    public static Warehouse open(Path file, Settings.Warehouse settings, Settings.Sql limits, WarehouseKey key) {
        return open(file, settings.checkpointWal(), settings.threads(), Schema.release(), limits, key);
    }

    /** As {@link #open(Path, String)}, bringing the file to {@code schema}: tests stand for other releases with it. */
    static Warehouse open(Path file, String checkpointWal, Schema schema) {
        return open(file, checkpointWal, new Settings.Warehouse(checkpointWal).threads(), schema, new Settings.Sql(0), null);
    }

    private static Warehouse open(Path file, String checkpointWal, int threads, Schema schema, Settings.Sql limits, WarehouseKey key) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Properties properties = new Properties();
            // Children's data: no telemetry, no extension downloads.
            properties.setProperty("autoinstall_known_extensions", "false");
            properties.setProperty("autoload_known_extensions", "false");
            properties.setProperty("checkpoint_threshold", checkpointWal);
            DuckDBConnection root;
            try {
                root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + (key == null ? file.toAbsolutePath() : ""), properties);
            } catch (SQLException e) {
                throw explained(file, e);
            }
            Warehouse warehouse = new Warehouse(file, root, key);
            try {
                if (key != null) {
                    attachEncrypted(root, file, key);
                }
                warehouse.migrate(schema);
                warehouse.lockDown(limits, threads);
            } catch (SQLException | RuntimeException e) {
                // Let go of the file: DuckDB locks it until the last connection closes.
                warehouse.close();
                throw e;
            }
            return warehouse;
        } catch (SQLException | IOException e) {
            throw new WarehouseException("cannot open the warehouse " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * An encrypted file is attached to an in-memory instance with its key and made every
     * connection's default database. DuckDB writes encrypted files with OpenSSL from its httpfs
     * extension; its built-in module only when the configuration accepts it (see
     * {@code Settings.Encryption#builtinCrypto}). Nothing is ever downloaded.
     */
    private static void attachEncrypted(DuckDBConnection root, Path file, WarehouseKey key) throws SQLException {
        // The driver closes a statement that failed: one statement per step.
        try (Statement s = root.createStatement()) {
            s.execute("LOAD httpfs");
        } catch (SQLException noOpenSsl) {
            if (!key.builtinCrypto()) {
                throw new WarehouseException("warehouse.encryption is on, but DuckDB's OpenSSL crypto module (its httpfs extension)"
                        + " is not installed here (" + firstLine(noOpenSsl) + "). Install httpfs for this DuckDB version into DuckDB's"
                        + " extension folder, or set warehouse.encryption.builtin_crypto: true to accept DuckDB's built-in module,"
                        + " which DuckDB calls not securely encrypted (docs/OPERATIONS.md)");
            }
            try (Statement s = root.createStatement()) {
                s.execute("SET force_mbedtls_unsafe = true");
            }
        }
        try (Statement s = root.createStatement()) {
            s.execute("ATTACH '" + quoted(file.toAbsolutePath().toString()) + "' AS " + ENCRYPTED + " (ENCRYPTION_KEY '" + key.text() + "')");
        } catch (SQLException e) {
            // DuckDB may quote the statement in its message: the key never reaches a log.
            throw explained(file, new SQLException(String.valueOf(e.getMessage()).replace(key.text(), "<the warehouse key>")));
        }
        try (Statement s = root.createStatement()) {
            s.execute("USE " + ENCRYPTED);
        }
    }

    /** DuckDB's refusals of an encrypted or plain file, in words that say what to do. */
    private static WarehouseException explained(Path file, SQLException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("without a key")) {
            return new WarehouseException("the warehouse " + file + " is encrypted, and this node has no key for it: set"
                    + " warehouse.encryption in tonle.yaml with the key it was encrypted with (docs/OPERATIONS.md)", e);
        }
        if (message.contains("Wrong encryption key")) {
            return new WarehouseException("the warehouse key does not open " + file + ": it was encrypted with another key."
                    + " Put back the key you keep with your backups (docs/OPERATIONS.md)", e);
        }
        if (message.contains("is not encrypted")) {
            return new WarehouseException("warehouse.encryption is on, but the warehouse " + file + " is not encrypted. To encrypt an"
                    + " existing warehouse, back it up and restore it into a new data folder with encryption on (docs/OPERATIONS.md)", e);
        }
        return new WarehouseException("cannot open the warehouse " + file + ": " + message, e);
    }

    private static String firstLine(SQLException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    public Path file() {
        return file;
    }

    /** Whether the warehouse file is encrypted at rest. */
    public boolean encrypted() {
        return encrypted;
    }

    /**
     * Whether the operator accepted DuckDB's built-in crypto module for this encrypted warehouse
     * ({@code warehouse.encryption.builtin_crypto}): every other DuckDB instance that writes its
     * data encrypted (the analyst workers' spill) may use it only then; false for a plain one.
     */
    public boolean builtinCryptoAccepted() {
        return builtinCrypto;
    }

    /**
     * Seals the indicator cube's file at rest where the warehouse is encrypted (it holds subject
     * keys and attribute values); null where it is plain.
     */
    public SealedFiles cubeSeal() {
        return cubeSeal;
    }

    /** A new connection to the same database, for one unit of work; close it after use. */
    public DuckDBConnection connect() {
        try {
            DuckDBConnection c = (DuckDBConnection) root.duplicate();
            if (encrypted) {
                // A connection starts in the in-memory database the encrypted file is attached to.
                try (Statement s = c.createStatement()) {
                    s.execute("USE " + ENCRYPTED);
                } catch (SQLException e) {
                    c.close();
                    throw e;
                }
            }
            return c;
        } catch (SQLException e) {
            throw new WarehouseException("cannot connect to the warehouse: " + e.getMessage(), e);
        }
    }

    private void migrate(Schema schema) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            new SchemaMigrator(schema).migrate(c);
            // Schema changes go into the file at once, never left to a WAL replay: DuckDB 1.5.6
            // cannot replay an ALTER TABLE of a table whose default calls nextval (dead_letter,
            // migration 006) after a crash, and the node would not start.
            s.execute("CHECKPOINT");
        }
    }

    /** The one folder DuckDB may read and write: where it spills what does not fit its memory. */
    public Path spillFolder() {
        return spillFolder(file);
    }

    private static Path spillFolder(Path file) {
        return file.toAbsolutePath().getParent().resolve("duckdb-spill");
    }

    /**
     * Analysts' ad-hoc SQL runs in worker processes over a snapshot of the views
     * (analytics/AnalystWorkers), not on this instance; these settings are the defence behind
     * that for the node's own statements. DuckDB has no GRANTs, so they hold for the whole
     * instance: no statement can read or write a
     * file outside the spill folder (not the data folder: it holds the key, intake and inbox),
     * reach the network, outgrow the memory and spill caps, or change any of it back. The
     * node's own work needs no file access through SQL: the database file and its WAL are the
     * storage layer's, not the statements'.
     */
    private void lockDown(Settings.Sql limits, int threads) throws SQLException, IOException {
        Path spill = Files.createDirectories(spillFolder(file));
        String folder = spill.toString().replace("'", "''");
        try (Statement s = root.createStatement()) {
            s.execute("SET temp_directory = '" + folder + "'");
            if (encrypted) {
                s.execute("SET temp_file_encryption = true");
            }
            s.execute("SET max_temp_directory_size = '" + quoted(limits.maxTempSize()) + "'");
            s.execute("SET memory_limit = '" + quoted(limits.memoryLimit()) + "'");
            // The node's own threads (warehouse.threads), not the analyst workers' (sql.threads).
            if (threads > 0) {
                s.execute("SET threads = " + threads);
            }
            s.execute("SET allowed_directories = ['" + folder + "/']");
            s.execute("SET enable_external_access = false");
            s.execute("SET lock_configuration = true");
        }
    }

    /** The table migrations this release applies, in order (a backup records those of its warehouse). */
    public static List<String> migrations() {
        return Schema.release().migrations().stream().map(Schema.Migration::name).toList();
    }

    private static String quoted(String value) {
        return value.replace("'", "''");
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

package org.tonle.warehouse.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

import org.tonle.core.config.Settings;
import org.tonle.warehouse.Transaction;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;

/**
 * Restores a backup archive into an empty data folder: a warehouse built by this release's
 * migrations, filled from the archive's Parquet files, and the escrowed key. Everything is
 * checked (the archive's integrity, every file's checksum and row count, the key against the
 * warehouse's fingerprint) before anything lands in the folder; on any failure the folder is
 * left as empty as it was found.
 */
public final class Restore {

    private static final String WAREHOUSE_FILE = "tonle.duckdb";
    /** A restore runs on its own, before any node: DuckDB's threads one per core, for loading Parquet in parallel. */
    private static final Settings.Warehouse RESTORE_SETTINGS = new Settings.Warehouse(null, null, 0);

    private Restore() {
    }

    /**
     * @param archive     the decrypted archive ({@link OpenPgp#decrypt}); read to its end, so that
     *                    its integrity check runs before anything is kept
     * @param data        the data folder to fill: absent or empty
     * @param fingerprint the fingerprint of a key file's content, as the node computes it
     * @return the manifest of what was restored
     */
    public static Manifest restore(InputStream archive, Path data, Function<byte[], String> fingerprint) {
        return restore(archive, data, fingerprint, null);
    }

    /**
     * As {@link #restore(InputStream, Path, Function)}, into a warehouse encrypted with {@code warehouseKey}
     * (null: a plain one): how an existing warehouse comes to be encrypted at rest.
     */
    public static Manifest restore(InputStream archive, Path data, Function<byte[], String> fingerprint, WarehouseKey warehouseKey) {
        boolean created = requireEmpty(data);
        Path work = data.resolve(".restore");
        boolean done = false;
        try {
            BackupWriter.ownerOnly(Files.createDirectories(work));
            Files.createDirectories(staged(work, "tables"));
            Manifest manifest = unpack(archive, work);
            byte[] key = Files.readAllBytes(work.resolve(Manifest.KEY_ENTRY));
            check(manifest, work, key, fingerprint);
            load(manifest, work, warehouseKey);
            Files.move(work.resolve(WAREHOUSE_FILE), data.resolve(WAREHOUSE_FILE));
            Path keyFile = data.resolve(Manifest.KEY_ENTRY);
            Files.createDirectories(keyFile.getParent());
            Files.write(keyFile, key);
            try {
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
                Files.setPosixFilePermissions(keyFile.getParent(), PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException notPosix) {
                keyFile.toFile().setReadable(false, false);
                keyFile.toFile().setReadable(true, true);
            }
            BackupWriter.deleteTree(work);
            done = true;
            return manifest;
        } catch (IOException e) {
            throw new BackupException("cannot restore: " + e.getMessage(), e);
        } finally {
            if (!done) {
                emptyOut(data, created);
            }
        }
    }

    /**
     * Reads a decrypted archive to its end and checks it (integrity, every checksum) without
     * restoring it: what {@code bin/tonle backup} does before it names the file.
     */
    public static Manifest verify(InputStream archive) {
        Manifest manifest = null;
        Map<String, String> sums = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(archive)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                if (entry.getName().equals(Manifest.ENTRY)) {
                    manifest = BackupWriter.JSON.readValue(zip.readAllBytes(), Manifest.class);
                    continue;
                }
                MessageDigest digest = BackupWriter.digest();
                try (InputStream in = new DigestInputStream(zip, digest) {
                    @Override
                    public void close() {
                        // the zip's next entry follows
                    }
                }) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                sums.put(entry.getName(), HexFormat.of().formatHex(digest.digest()));
            }
            archive.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new BackupException("the backup is damaged or incomplete: " + e.getMessage(), e);
        }
        if (manifest == null || !Manifest.FORMAT.equals(manifest.format())) {
            throw new BackupException("the archive has no " + Manifest.FORMAT + " manifest; is it a Tonle backup?");
        }
        if (!manifest.keySha256().equals(sums.get(Manifest.KEY_ENTRY))) {
            throw new BackupException("the escrowed key is missing or damaged");
        }
        for (Manifest.Table table : manifest.tables()) {
            if (!table.sha256().equals(sums.get(table.file()))) {
                throw new BackupException("table " + table.name() + " is missing or damaged");
            }
        }
        return manifest;
    }

    /** Whether the folder had to be created; refuses one that holds anything. */
    private static boolean requireEmpty(Path data) {
        if (!Files.exists(data)) {
            try {
                Files.createDirectories(data);
            } catch (IOException e) {
                throw new BackupException("cannot create the data folder " + data + ": " + e.getMessage(), e);
            }
            return true;
        }
        if (!Files.isDirectory(data)) {
            throw new BackupException(data + " is not a folder");
        }
        try (Stream<Path> entries = Files.list(data)) {
            List<String> found = entries.limit(3).map(p -> p.getFileName().toString()).toList();
            if (!found.isEmpty()) {
                throw new BackupException("the data folder " + data + " is not empty (it holds " + String.join(", ", found)
                        + (found.size() == 3 ? ", ..." : "") + "); restore only into an empty folder, so nothing is overwritten");
            }
        } catch (IOException e) {
            throw new BackupException("cannot read the data folder " + data + ": " + e.getMessage(), e);
        }
        return false;
    }

    private static void emptyOut(Path data, boolean created) {
        try (Stream<Path> entries = Files.list(data)) {
            entries.forEach(BackupWriter::deleteTree);
        } catch (IOException e) {
            // reported by the failure that brought us here
        }
        if (created) {
            data.toFile().delete();
        }
    }

    /** Extracts the entries a backup may hold (nothing else, and nowhere else), then reads to the end. */
    private static Manifest unpack(InputStream archive, Path work) throws IOException {
        Manifest manifest = null;
        boolean key = false;
        try (ZipInputStream zip = new ZipInputStream(archive)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                String name = entry.getName();
                if (name.equals(Manifest.ENTRY)) {
                    manifest = BackupWriter.JSON.readValue(zip.readAllBytes(), Manifest.class);
                } else if (name.equals(Manifest.KEY_ENTRY)) {
                    Files.createDirectories(work.resolve("secrets"));
                    Files.write(work.resolve(name), zip.readAllBytes());
                    key = true;
                } else if (name.startsWith("tables/") && name.endsWith(".parquet")
                        && BackupWriter.TABLE_NAME.matcher(name.substring(7, name.length() - 8)).matches()) {
                    Files.copy(zip, staged(work, name));
                } else {
                    throw new BackupException("the archive holds an unexpected entry '" + name + "'; is it a Tonle backup?");
                }
            }
            // The integrity check of the encryption runs at the very end of the stream.
            archive.transferTo(OutputStream.nullOutputStream());
        } catch (ZipException e) {
            throw new BackupException("the backup is damaged: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // ZipInputStream's answer to an entry name that is not UTF-8: a damaged byte there.
            throw new BackupException("the backup is damaged: an entry's name cannot be read", e);
        }
        if (manifest == null || !Manifest.FORMAT.equals(manifest.format())) {
            throw new BackupException("the archive has no " + Manifest.FORMAT + " manifest; is it a Tonle backup?");
        }
        if (!key) {
            throw new BackupException("the backup holds no pseudonymisation key; it cannot be restored safely");
        }
        return manifest;
    }

    private static void check(Manifest manifest, Path work, byte[] key, Function<byte[], String> fingerprint) throws IOException {
        MessageDigest digest = BackupWriter.digest();
        if (!HexFormat.of().formatHex(digest.digest(key)).equals(manifest.keySha256())) {
            throw new BackupException("the escrowed key does not match its checksum; the backup is damaged");
        }
        if (manifest.keyFingerprint() != null && !manifest.keyFingerprint().equals(fingerprint.apply(key))) {
            throw new BackupException("the escrowed key is not the key the warehouse was built with; the backup is damaged");
        }
        for (Manifest.Table table : manifest.tables()) {
            if (!table.file().equals("tables/" + table.name() + ".parquet") || !BackupWriter.TABLE_NAME.matcher(table.name()).matches()) {
                throw new BackupException("the manifest names table " + table.name() + " in '" + table.file()
                        + "', not where a backup puts it; is it a Tonle backup?");
            }
            Path file = staged(work, table.file());
            if (!Files.exists(file)) {
                throw new BackupException("table " + table.name() + " is missing from the archive");
            }
            if (!BackupWriter.sha256(file).equals(table.sha256())) {
                throw new BackupException("table " + table.name() + " does not match its checksum; the backup is damaged");
            }
        }
        Set<String> known = Set.copyOf(Warehouse.migrations());
        List<String> unknown = manifest.schema().stream().filter(m -> !known.contains(m)).toList();
        if (!unknown.isEmpty()) {
            throw new BackupException("the backup comes from a later release (migrations " + unknown
                    + " are unknown here); restore it with that release or a later one");
        }
    }

    /**
     * Where an unpacked table waits to be loaded: in the spill folder of the warehouse being
     * restored, the one folder its DuckDB may read (Warehouse locks everything else away).
     */
    private static Path staged(Path work, String file) {
        return work.resolve("duckdb-spill").resolve(file);
    }

    /** A warehouse at this release's schema, filled from the Parquet files in one transaction. */
    private static void load(Manifest manifest, Path work, WarehouseKey key) {
        try (Warehouse warehouse = Warehouse.open(work.resolve(WAREHOUSE_FILE), RESTORE_SETTINGS,
                new Settings.Sql(0), key); Connection c = warehouse.connect();
             Statement s = c.createStatement()) {
            Set<String> tables = Set.copyOf(BackupWriter.tableNames(s));
            String sealed = "";
            if (manifest.parquetKey() != null) {
                // The manifest is the archive's word, not ours: a key that is not 32 bytes of
                // base64 never reaches the statement (it is spliced into it).
                BackupWriter.checkParquetKey(manifest.parquetKey());
                // Reading needs no crypto module that writes: a plain warehouse restores these too.
                s.execute("PRAGMA add_parquet_key('" + BackupWriter.PARQUET_KEY + "', '" + manifest.parquetKey() + "')");
                sealed = ", encryption_config = {footer_key: '" + BackupWriter.PARQUET_KEY + "'}";
            }
            try (Transaction tx = Transaction.begin(c)) {
                for (Manifest.Table table : manifest.tables()) {
                    if (table.name().equals("schema_migration")) {
                        continue; // this release's migrations made the schema
                    }
                    if (!tables.contains(table.name())) {
                        throw new BackupException("table " + table.name() + " of the backup does not exist in this release");
                    }
                    String file = staged(work, table.file()).toAbsolutePath().toString().replace("'", "''");
                    s.execute("DELETE FROM \"" + table.name() + "\"");
                    s.execute("INSERT INTO \"" + table.name() + "\" BY NAME SELECT * FROM read_parquet('" + file + "'" + sealed + ")");
                    long rows;
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + table.name() + "\"")) {
                        rs.next();
                        rows = rs.getLong(1);
                    }
                    if (rows != table.rows()) {
                        throw new BackupException("table " + table.name() + ": " + rows + " rows restored, the manifest says "
                                + table.rows());
                    }
                }
                for (Manifest.Sequence sequence : manifest.sequences()) {
                    if (sequence.lastValue() > 0 && BackupWriter.TABLE_NAME.matcher(sequence.name()).matches()) {
                        s.execute("SELECT max(nextval('" + sequence.name() + "')) FROM range(" + sequence.lastValue() + ")");
                    }
                }
                tx.commit();
            }
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            throw new BackupException("cannot fill the warehouse from the backup: "
                    + BackupWriter.withoutKey(e.getMessage(), manifest.parquetKey()), e);
        }
    }
}

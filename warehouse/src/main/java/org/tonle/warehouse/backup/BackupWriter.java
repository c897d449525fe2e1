package org.tonle.warehouse.backup;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Writes a backup archive (a zip: {@code manifest.json}, the escrowed key, one Parquet file per
 * table) of the warehouse as one snapshot sees it. The snapshot is a connection inside a
 * transaction: every table is exported from the same consistent point while commits go on.
 * DuckDB writes the Parquet files into a staging folder inside the data folder (the only place
 * it may write); they are deleted once copied into the archive. Where the warehouse is encrypted,
 * so are they (Parquet modular encryption, AES-GCM, under a random key made for this backup
 * alone and written only into the manifest, inside the archive's own encryption): nothing of
 * an encrypted warehouse is on disk in clear while a backup runs.
 */
public final class BackupWriter {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final Pattern TABLE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private BackupWriter() {
    }

    /** The name the staged tables' Parquet key goes by in DuckDB, in a backup and in a restore. */
    static final String PARQUET_KEY = "tonle_backup";
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param snapshot a connection in a transaction whose snapshot is already taken; left open
     * @param staging  an empty (or absent) folder under the data folder; deleted afterwards
     * @param keyFile  the pseudonymisation key file, escrowed in the archive
     * @param encrypt  whether to encrypt the staged tables (the warehouse is encrypted, so its
     *                 DuckDB has a crypto module that writes)
     * @param out      receives the zip (encrypt it on the way); not closed
     */
    public static Manifest write(Connection snapshot, Path staging, byte[] keyFile, boolean encrypt, OutputStream out) {
        String parquetKey = null;
        try {
            ownerOnly(Files.createDirectories(staging));
            List<Manifest.Table> tables = new ArrayList<>();
            List<Manifest.Sequence> sequences = new ArrayList<>();
            List<String> schema = new ArrayList<>();
            String duckdb;
            String fingerprint = null;
            try (Statement s = snapshot.createStatement()) {
                duckdb = single(s, "SELECT version()");
                try (ResultSet rs = s.executeQuery("SELECT name FROM schema_migration ORDER BY applied_at, name")) {
                    while (rs.next()) {
                        schema.add(rs.getString(1));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT value FROM node_setting WHERE name = 'subject_key_fingerprint'")) {
                    if (rs.next()) {
                        fingerprint = rs.getString(1);
                    }
                }
                String sealed = "";
                if (encrypt) {
                    byte[] key = new byte[32];
                    RANDOM.nextBytes(key);
                    parquetKey = Base64.getEncoder().encodeToString(key);
                    s.execute("PRAGMA add_parquet_key('" + PARQUET_KEY + "', '" + parquetKey + "')");
                    sealed = ", ENCRYPTION_CONFIG {footer_key: '" + PARQUET_KEY + "'}";
                }
                for (String table : tableNames(s)) {
                    Path file = staging.resolve(table + ".parquet");
                    long rows = Long.parseLong(single(s, "SELECT count(*) FROM \"" + table + "\""));
                    s.execute("COPY \"" + table + "\" TO '" + file.toAbsolutePath().toString().replace("'", "''")
                            + "' (FORMAT parquet, COMPRESSION zstd" + sealed + ")");
                    tables.add(new Manifest.Table(table, "tables/" + table + ".parquet", rows, sha256(file)));
                }
                if (encrypt) {
                    // The key stays registered in this DuckDB instance, which every connection
                    // shares: replace it with one nobody knows once the tables are staged.
                    byte[] forget = new byte[32];
                    RANDOM.nextBytes(forget);
                    s.execute("PRAGMA add_parquet_key('" + PARQUET_KEY + "', '" + Base64.getEncoder().encodeToString(forget) + "')");
                }
                try (ResultSet rs = s.executeQuery("SELECT sequence_name, last_value FROM duckdb_sequences()"
                        + " WHERE database_name = current_database() AND schema_name = 'main' ORDER BY sequence_name")) {
                    while (rs.next()) {
                        long last = rs.getLong(2);
                        if (!rs.wasNull()) {
                            sequences.add(new Manifest.Sequence(rs.getString(1), last));
                        }
                    }
                }
            }
            Manifest manifest = new Manifest(Manifest.FORMAT, Instant.now().toString(), duckdb, schema, fingerprint,
                    HexFormat.of().formatHex(digest().digest(keyFile)), tables, sequences, parquetKey);
            ZipOutputStream zip = new ZipOutputStream(new NonClosing(out));
            // The Parquet pages are compressed already; deflate only what is cheap to gain.
            zip.setLevel(Deflater.BEST_SPEED);
            zip.putNextEntry(new ZipEntry(Manifest.ENTRY));
            zip.write(JSON.writeValueAsBytes(manifest));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(Manifest.KEY_ENTRY));
            zip.write(keyFile);
            zip.closeEntry();
            for (Manifest.Table table : tables) {
                zip.putNextEntry(new ZipEntry(table.file()));
                Files.copy(staging.resolve(table.name() + ".parquet"), zip);
                zip.closeEntry();
            }
            zip.finish();
            zip.close();
            return manifest;
        } catch (SQLException e) {
            throw new BackupException("cannot export the warehouse: " + withoutKey(e.getMessage(), parquetKey), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backup: " + e.getMessage(), e);
        } finally {
            deleteTree(staging);
        }
    }

    /** Refuses a table key that is not 32 bytes in base64 (one from a manifest is spliced into SQL). */
    static void checkParquetKey(String parquetKey) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(parquetKey);
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length != 32 || !parquetKey.equals(Base64.getEncoder().encodeToString(key))) {
            throw new BackupException("the manifest's parquet_key is not a 256-bit key in base64; is it a Tonle backup?");
        }
    }

    /** DuckDB may quote a failed statement; the key of the staged tables never leaves the archive. */
    static String withoutKey(String message, String parquetKey) {
        return parquetKey == null || message == null ? message : message.replace(parquetKey, "<the backup's table key>");
    }

    /** The base tables of the warehouse, whatever migrations made them. */
    static List<String> tableNames(Statement s) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                + " AND schema_name = 'main' AND NOT temporary ORDER BY table_name")) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (!TABLE_NAME.matcher(name).matches()) {
                    throw new BackupException("table name '" + name + "' is not one a backup can carry");
                }
                names.add(name);
            }
        }
        return names;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Clear copies of the warehouse are for this account's eyes only. */
    static Path ownerOnly(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            dir.toFile().setReadable(false, false);
            dir.toFile().setReadable(true, true);
        }
        return dir;
    }

    /** Deletes a folder and what is in it; quietly, as it only ever holds copies. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a later backup or start removes it
        }
    }

    /** The zip must finish its own entries without closing the encrypting stream under it. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}

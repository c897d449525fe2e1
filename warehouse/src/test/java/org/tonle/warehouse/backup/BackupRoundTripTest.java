package org.tonle.warehouse.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.NodeSettings;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;

class BackupRoundTripTest {

    static final String PASSPHRASE = "correct horse battery staple";
    static final byte[] KEY = "c2VjcmV0LWtleS1vZi10aGUtb3JnYW5pc2F0aW9uLTMyYg==\n".getBytes(StandardCharsets.US_ASCII);

    /** Stands in for the node's key fingerprint (an HMAC in pipelines): any function of the key's bytes. */
    static String fingerprint(byte[] key) {
        return HexFormat.of().formatHex(BackupWriter.digest().digest(key), 0, 8);
    }

    @Test
    void aBackupHoldsOneSnapshotAndRestoresItExactly(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("source");
        byte[] backup;
        List<List<Object>> atSnapshot;
        try (Warehouse warehouse = Warehouse.open(source.resolve("tonle.duckdb"))) {
            new NodeSettings(warehouse).put("subject_key_fingerprint", fingerprint(KEY));
            AuditLog audit = new AuditLog(warehouse);
            for (int i = 0; i < 50; i++) {
                audit.record("ana", "staff", "write", "POST /api/v1/activities", "{\"n\":" + i + "}", (long) i);
            }
            atSnapshot = rows(warehouse, "SELECT * FROM audit_log ORDER BY id");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Connection snapshot = warehouse.connect(); Statement s = snapshot.createStatement()) {
                s.execute("BEGIN TRANSACTION");
                s.executeQuery("SELECT count(*) FROM audit_log").close();
                // Commits after the snapshot are not in the backup.
                audit.record("bo", "admin", "write", "POST /api/v1/activities", null, 7L);
                try (OutputStream sealed = OpenPgp.encrypt(out, Secret.passphrase(PASSPHRASE), "backup.zip")) {
                    Manifest manifest = BackupWriter.write(snapshot, source.resolve("duckdb-spill/backup-staging"), KEY, false, sealed);
                    assertThat(manifest.rows("audit_log")).isEqualTo(50);
                    assertThat(manifest.schema()).isEqualTo(Warehouse.migrations());
                }
                s.execute("ROLLBACK");
            }
            assertThat(source.resolve("duckdb-spill/backup-staging")).doesNotExist();
            backup = out.toByteArray();
        }
        assertThat(new String(backup, StandardCharsets.ISO_8859_1)).as("nothing readable in the sealed file")
                .doesNotContain("POST /api/v1/activities").doesNotContain("c2VjcmV0");

        Path restored = dir.resolve("restored");
        Manifest manifest = Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase(PASSPHRASE)), restored,
                BackupRoundTripTest::fingerprint);
        assertThat(manifest.rows("audit_log")).isEqualTo(50);
        assertThat(Files.readAllBytes(restored.resolve("secrets/subject-key"))).isEqualTo(KEY);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(restored.resolve("secrets/subject-key")))).isEqualTo("rw-------");
        assertThat(names(restored)).containsExactlyInAnyOrder("tonle.duckdb", "secrets");
        try (Warehouse warehouse = Warehouse.open(restored.resolve("tonle.duckdb"))) {
            assertThat(rows(warehouse, "SELECT * FROM audit_log ORDER BY id")).isEqualTo(atSnapshot);
            assertThat(new NodeSettings(warehouse).get("subject_key_fingerprint")).contains(fingerprint(KEY));
            // New rows continue the restored ids instead of reusing them.
            new AuditLog(warehouse).record("cy", "admin", "read", "GET /api/v1/audit", null, null);
            assertThat(rows(warehouse, "SELECT count(DISTINCT id), count(*) FROM audit_log").get(0)).containsExactly("51", "51");
        }
    }

    @Test
    void theWrongPassphraseRestoresNothingAndSaysWhy(@TempDir Path dir) throws Exception {
        byte[] backup = smallBackup(dir.resolve("source"));
        Path target = dir.resolve("target");
        assertThatThrownBy(() -> Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase("not the right passphrase")),
                target, BackupRoundTripTest::fingerprint))
                .isInstanceOf(BackupException.class).hasMessageContaining("wrong passphrase");
        assertThat(target).doesNotExist();
    }

    @Test
    void aDamagedBackupRestoresNothing(@TempDir Path dir) throws Exception {
        byte[] backup = smallBackup(dir.resolve("source"));
        backup[backup.length / 2] ^= 0x5a;
        Path target = Files.createDirectories(dir.resolve("target"));
        assertThatThrownBy(() -> Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase(PASSPHRASE)),
                target, BackupRoundTripTest::fingerprint)).isInstanceOf(BackupException.class);
        assertThat(names(target)).as("the folder is left empty").isEmpty();
        byte[] truncated = Arrays.copyOf(smallBackup(dir.resolve("source2")), backup.length - 40);
        assertThatThrownBy(() -> Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(truncated), Secret.passphrase(PASSPHRASE)),
                target, BackupRoundTripTest::fingerprint)).isInstanceOf(BackupException.class);
        assertThat(names(target)).isEmpty();
    }

    /**
     * A damaged byte in an entry's name (not UTF-8 any more): ZipInputStream throws an
     * IllegalArgumentException there, which a restore must answer as a damaged backup too.
     */
    @Test
    void aDamagedEntryNameIsADamagedBackup(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(zipped)) {
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write("{}".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        byte[] archive = zipped.toByteArray();
        // The local header's name starts at byte 30.
        archive[30] = (byte) 0xC3;
        archive[31] = (byte) 0x28;
        Path target = Files.createDirectories(dir.resolve("target"));
        assertThatThrownBy(() -> Restore.restore(new ByteArrayInputStream(archive), target, BackupRoundTripTest::fingerprint))
                .isInstanceOf(BackupException.class).hasMessageContaining("damaged");
        assertThat(names(target)).isEmpty();
    }

    @Test
    void aFolderThatHoldsAnythingIsRefused(@TempDir Path dir) throws Exception {
        byte[] backup = smallBackup(dir.resolve("source"));
        Path target = Files.createDirectories(dir.resolve("target"));
        Files.writeString(target.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase(PASSPHRASE)),
                target, BackupRoundTripTest::fingerprint))
                .isInstanceOf(BackupException.class).hasMessageContaining("not empty").hasMessageContaining("notes.txt");
        assertThat(Files.readString(target.resolve("notes.txt"))).isEqualTo("mine");
        assertThat(names(target)).containsExactly("notes.txt");
    }

    @Test
    void aKeyThatIsNotTheWarehousesIsRefused(@TempDir Path dir) throws Exception {
        byte[] backup = smallBackup(dir.resolve("source"));
        Path target = dir.resolve("target");
        assertThatThrownBy(() -> Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase(PASSPHRASE)),
                target, key -> "another fingerprint"))
                .isInstanceOf(BackupException.class).hasMessageContaining("not the key the warehouse was built with");
        assertThat(target).doesNotExist();
    }

    /**
     * An encrypted warehouse's backup stages its tables encrypted: while the archive is written,
     * every staged file is read byte by byte for a row's text and for Parquet's plain magic; the
     * table key is in the archive's manifest only (no error, no toString shows it), and the
     * backup restores exactly, into a plain warehouse as into an encrypted one.
     */
    @Test
    void anEncryptedWarehousesTablesAreStagedEncryptedAndStillRestore(@TempDir Path dir) throws Exception {
        byte[] warehouseKeyBytes = new byte[32];
        Arrays.fill(warehouseKeyBytes, (byte) 7);
        WarehouseKey warehouseKey = new WarehouseKey(warehouseKeyBytes, true);
        String marker = "POST /api/v1/marker-" + System.nanoTime();
        Path source = dir.resolve("source");
        Path staging = source.resolve("duckdb-spill/backup-staging");
        List<String> stagedFiles = new ArrayList<>();
        List<String> readable = new ArrayList<>();
        byte[] backup;
        Manifest written;
        List<List<Object>> before;
        try (Warehouse warehouse = Warehouse.open(source.resolve("tonle.duckdb"), "256MB", new Settings.Sql(0), warehouseKey)) {
            new NodeSettings(warehouse).put("subject_key_fingerprint", fingerprint(KEY));
            AuditLog audit = new AuditLog(warehouse);
            for (int i = 0; i < 20; i++) {
                audit.record("ana", "staff", "write", marker, "{\"n\":" + i + "}", (long) i);
            }
            before = rows(warehouse, "SELECT * FROM audit_log ORDER BY id");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Connection snapshot = warehouse.connect(); Statement s = snapshot.createStatement()) {
                s.execute("BEGIN TRANSACTION");
                try (OutputStream sealed = OpenPgp.encrypt(out, Secret.passphrase(PASSPHRASE), "backup.zip")) {
                    // The zip is written once every table is staged: look at the staged files then.
                    OutputStream inspecting = new FilterOutputStream(sealed) {
                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            if (stagedFiles.isEmpty()) {
                                inspect(staging, stagedFiles, readable, marker);
                            }
                            out.write(b, off, len);
                        }
                    };
                    written = BackupWriter.write(snapshot, staging, KEY, true, inspecting);
                }
                s.execute("ROLLBACK");
            }
            backup = out.toByteArray();
        }
        assertThat(stagedFiles).as("the tables were staged").contains("audit_log.parquet");
        assertThat(readable).as("no staged table is plain Parquet or shows a row").isEmpty();
        assertThat(written.parquetKey()).isNotNull();
        assertThat(Base64.getDecoder().decode(written.parquetKey())).hasSize(32);
        assertThat(written.toString()).doesNotContain(written.parquetKey());
        assertThat(staging).doesNotExist();

        Path plain = dir.resolve("restored-plain");
        Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase(PASSPHRASE)), plain, BackupRoundTripTest::fingerprint);
        try (Warehouse warehouse = Warehouse.open(plain.resolve("tonle.duckdb"))) {
            assertThat(rows(warehouse, "SELECT * FROM audit_log ORDER BY id")).isEqualTo(before);
        }
        Path encrypted = dir.resolve("restored-encrypted");
        Restore.restore(OpenPgp.decrypt(new ByteArrayInputStream(backup), Secret.passphrase(PASSPHRASE)), encrypted,
                BackupRoundTripTest::fingerprint, warehouseKey);
        try (Warehouse warehouse = Warehouse.open(encrypted.resolve("tonle.duckdb"), "256MB", new Settings.Sql(0), warehouseKey)) {
            assertThat(rows(warehouse, "SELECT * FROM audit_log ORDER BY id")).isEqualTo(before);
        }
        assertThat(BackupWriter.withoutKey("near '" + written.parquetKey() + "'", written.parquetKey())).doesNotContain(written.parquetKey());
    }

    /**
     * A backup sealed to a custodian's public key is not signed: anyone with that key can seal an
     * archive. Its manifest's table key is spliced into the restore's SQL, and its file names
     * into paths: one that is not a 256-bit base64 key, or a table file outside tables/, is
     * refused before either is used.
     */
    @Test
    void aHostileManifestCannotInjectSqlOrPointOutsideTheArchive(@TempDir Path dir) throws Exception {
        byte[] plain = OpenPgp.decrypt(new ByteArrayInputStream(smallBackup(dir.resolve("source"))), Secret.passphrase(PASSPHRASE))
                .readAllBytes();
        String valid = Base64.getEncoder().encodeToString(new byte[32]);
        for (String key : List.of(valid + "'); CREATE TABLE pwned AS SELECT 1 x; SELECT ('", "c2hvcnQ=", "not base64 at all")) {
            byte[] hostile = rewriteManifest(plain, manifest -> manifest.put("parquet_key", key));
            Path target = dir.resolve("target-" + Math.abs(key.hashCode()));
            assertThatThrownBy(() -> Restore.restore(new ByteArrayInputStream(hostile), target, BackupRoundTripTest::fingerprint))
                    .isInstanceOf(BackupException.class).hasMessageContaining("parquet_key");
            assertThat(target).doesNotExist();
        }
        byte[] elsewhere = rewriteManifest(plain, manifest -> ((ObjectNode) manifest.withArray("tables").get(0)).put("file", "../../secrets/subject-key"));
        assertThatThrownBy(() -> Restore.restore(new ByteArrayInputStream(elsewhere), dir.resolve("target-path"), BackupRoundTripTest::fingerprint))
                .isInstanceOf(BackupException.class).hasMessageContaining("not where a backup puts it");
    }

    /** The same zip with its manifest changed. */
    private static byte[] rewriteManifest(byte[] zip, Consumer<ObjectNode> change) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip)); ZipOutputStream rewritten = new ZipOutputStream(out)) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                if (entry.getName().equals(Manifest.ENTRY)) {
                    ObjectNode manifest = (ObjectNode) BackupWriter.JSON.readTree(bytes);
                    change.accept(manifest);
                    bytes = BackupWriter.JSON.writeValueAsBytes(manifest);
                }
                rewritten.putNextEntry(new ZipEntry(entry.getName()));
                rewritten.write(bytes);
                rewritten.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static void inspect(Path staging, List<String> files, List<String> readable, String marker) throws IOException {
        try (Stream<Path> list = Files.list(staging)) {
            for (Path file : list.toList()) {
                files.add(file.getFileName().toString());
                byte[] bytes = Files.readAllBytes(file);
                String text = new String(bytes, StandardCharsets.ISO_8859_1);
                if (text.startsWith("PAR1") || text.contains(marker) || text.contains("principal")) {
                    readable.add(file.getFileName().toString());
                }
            }
        }
    }

    static byte[] smallBackup(Path source) throws Exception {
        try (Warehouse warehouse = Warehouse.open(source.resolve("tonle.duckdb"))) {
            new NodeSettings(warehouse).put("subject_key_fingerprint", fingerprint(KEY));
            new AuditLog(warehouse).record("ana", "staff", "write", "POST /api/v1/activities", null, 1L);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Connection snapshot = warehouse.connect(); Statement s = snapshot.createStatement()) {
                s.execute("BEGIN TRANSACTION");
                try (OutputStream sealed = OpenPgp.encrypt(out, Secret.passphrase(PASSPHRASE), "backup.zip")) {
                    BackupWriter.write(snapshot, source.resolve("duckdb-spill/backup-staging"), KEY, false, sealed);
                }
                s.execute("ROLLBACK");
            }
            return out.toByteArray();
        }
    }

    static List<List<Object>> rows(Warehouse warehouse, String sql) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i) == null ? null : rs.getObject(i).toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}

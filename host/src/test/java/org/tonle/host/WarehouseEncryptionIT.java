package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse file encrypted at rest (warehouse.encryption in tonle.yaml), through real nodes
 * and the packaged command line: an existing plain warehouse is encrypted by a backup and a
 * restore with encryption on; the encrypted node answers every figure as the plain one did and
 * its files hold none of the known strings; it refuses to start without its key or without
 * encryption configured; and its own backups restore.
 */
class WarehouseEncryptionIT {

    /** Strings every warehouse of the demo data holds: an office, a programme, an indicator code. */
    private static final List<String> KNOWN = List.of("Phnom Penh", "Legal Support Program", "social.clients_met");

    @TempDir
    Path root;

    @Test
    void aPlainWarehouseIsEncryptedByBackupAndRestoreAndAnswersAsBefore() throws Exception {
        Path plainRoot = root.resolve("plain");
        Map<String, String> figures;
        Path backup = root.resolve("plain.pgp");
        try (TestNode node = TestNode.start(plainRoot)) {
            String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
            assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null).status()).isEqualTo(200);
            figures = BackupIT.figures(node);
            save(BackupIT.backup(node.url(), TestNode.ADMIN_TOKEN, BackupIT.PASSPHRASE), backup);
        }
        assertThat(figures.get("social.clients_met?period=2015-08")).contains("146");
        for (String known : KNOWN) {
            assertThat(contains(plainRoot.resolve("data/tonle.duckdb"), known)).as("the control: a plain file shows " + known).isTrue();
        }

        Path encryptedRoot = root.resolve("encrypted");
        Path config = encryptedConfig(encryptedRoot);
        BackupIT.Cli restored = BackupIT.cli(List.of("restore", backup.toString(), "--data", encryptedRoot.resolve("data").toString(),
                "--config", config.toString()), Map.of("TONLE_BACKUP_PASSPHRASE", BackupIT.PASSPHRASE));
        restored.assertSucceeded();
        assertThat(restored.output()).contains("encrypted at rest");
        Path key = encryptedRoot.resolve("warehouse-key");
        assertThat(key).as("the key, outside the data folder").exists();

        Path encryptedBackup = root.resolve("encrypted.pgp");
        try (TestNode node = TestNode.start(encryptedRoot)) {
            assertThat(node.node().warehouse().encrypted()).isTrue();
            assertThat(BackupIT.figures(node)).isEqualTo(figures);
            // Written after the restore, so that the write-ahead log holds it until the stop.
            assertThat(node.post("/api/v1/activities", ProgrammeLifecycleIT.CLIENT.formatted("0b7c1f0e-5d55-4c1a-9a7e-00000000e001", "1")).status())
                    .isEqualTo(200);
            for (String known : KNOWN) {
                assertThat(containedInDataFolder(encryptedRoot.resolve("data"), known)).as(known + " while running").isEmpty();
            }
            save(BackupIT.backup(node.url(), TestNode.ADMIN_TOKEN, BackupIT.PASSPHRASE), encryptedBackup);
        }
        for (String known : KNOWN) {
            assertThat(containedInDataFolder(encryptedRoot.resolve("data"), known)).as(known + " after the stop").isEmpty();
        }

        // Without its key, or without encryption configured, the node refuses to start and says why.
        Path aside = root.resolve("warehouse-key.aside");
        Files.move(key, aside);
        assertThatThrownBy(() -> TestNode.start(encryptedRoot)).hasMessageContaining("the warehouse key " + key + " is missing");
        Files.move(aside, key);
        Path yaml = config.resolve("tonle.yaml");
        String encryptedYaml = Files.readString(yaml);
        Files.writeString(yaml, Files.readString(TestNode.repository().resolve("config/tonle.yaml")));
        assertThatThrownBy(() -> TestNode.start(encryptedRoot)).hasMessageContaining("is encrypted, and this node has no key for it");
        Files.writeString(yaml, encryptedYaml);

        // The encrypted node's backup restores, here into a plain warehouse.
        Path againRoot = root.resolve("again");
        BackupIT.restore(encryptedBackup, againRoot.resolve("data"), BackupIT.PASSPHRASE).assertSucceeded();
        try (TestNode node = TestNode.start(againRoot)) {
            assertThat(node.node().warehouse().encrypted()).isFalse();
            Map<String, String> again = BackupIT.figures(node);
            assertThat(again.get("social.clients_met?period=2015-08")).as("with the client recorded on the encrypted node").contains("147");
            assertThat(again.get("legal.court_represented?period=2015")).isEqualTo(figures.get("legal.court_represented?period=2015"));
        }
    }

    /** The repository's configuration with the warehouse encrypted, its key in {@code root}/warehouse-key. */
    static Path encryptedConfig(Path root) throws Exception {
        Path config = root.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        Path yaml = config.resolve("tonle.yaml");
        String text = Files.readString(yaml);
        String off = """
                  encryption:
                    enabled: false
                    key_file: ""\
                """;
        assertThat(text).contains(off);
        // The build machines have no httpfs extension: DuckDB's built-in module is accepted here.
        Files.writeString(yaml, text.replace(off, """
                  encryption:
                    enabled: true
                    key_file: ../warehouse-key\
                """).replace("builtin_crypto: false", "builtin_crypto: true"));
        return config;
    }

    private static void save(HttpResponse<InputStream> answer, Path file) throws Exception {
        assertThat(answer.statusCode()).isEqualTo(200);
        try (InputStream in = answer.body()) {
            Files.copy(in, file);
        }
    }

    /** The files of the data folder's top level (the warehouse, its log) whose bytes contain {@code text}. */
    private static List<Path> containedInDataFolder(Path data, String text) throws Exception {
        try (Stream<Path> files = Files.list(data)) {
            List<Path> warehouseFiles = files.filter(f -> f.getFileName().toString().startsWith("tonle.duckdb")).toList();
            assertThat(warehouseFiles).isNotEmpty();
            return warehouseFiles.stream().filter(f -> contains(f, text)).toList();
        }
    }

    static boolean contains(Path file, String text) {
        try {
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            return bytes.contains(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.demo.DemoLoader;

/**
 * The key custody drill of docs/OPERATIONS.md, with the packaged command line: export the key
 * for custodians, lose it, see the node refuse to start, import the custodian copy, start
 * again; a wrong passphrase or another warehouse's key is refused. Plus scheduled backups with
 * retention, sealed for a custodian's public key and restored with the custodian's secret key.
 */
class KeyEscrowIT {

    static final String PASSPHRASE = "custodian passphrase, kept apart";

    @Test
    void theKeyDrill(@TempDir Path root) throws Exception {
        Path nodeRoot = root.resolve("office");
        String record = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"PNH\","
                + "\"date\":\"2015-08-04\",\"subject\":{\"ref\":\"PNH-C-0042\",\"role\":\"client\",\"sex\":\"F\",\"age\":12},"
                + "\"attributes\":{\"service\":\"counselling\",\"setting\":\"office\"}}";
        long before;
        try (TestNode node = TestNode.start(nodeRoot)) {
            assertThat(node.post("/api/v1/activities", record).json().path("accepted").asInt()).isEqualTo(1);
            before = clients(node);
            assertThat(before).isPositive();
        }
        Path config = nodeRoot.resolve("config");
        Path data = nodeRoot.resolve("data");
        Path keyFile = data.resolve("secrets/subject-key");
        String key = Files.readString(keyFile);
        Path escrow = root.resolve("custody/subject-key.pgp");
        Files.createDirectories(escrow.getParent());
        BackupIT.Cli exported = BackupIT.cli(List.of("key", "export", "--out", escrow.toString(), "--config", config.toString(),
                "--data", data.toString()), Map.of("TONLE_BACKUP_PASSPHRASE", PASSPHRASE));
        exported.assertSucceeded();
        assertThat(Files.readString(escrow, StandardCharsets.ISO_8859_1)).doesNotContain(key.trim());
        gpgOpens(escrow, root.resolve("gnupg"), key.trim());

        // The machine is lost with the key: the node refuses to count everyone twice.
        Files.delete(keyFile);
        assertThatThrownBy(() -> TestNode.start(nodeRoot)).hasMessageContaining("is missing");

        BackupIT.Cli wrong = BackupIT.cli(List.of("key", "import", escrow.toString(), "--config", config.toString(), "--data", data.toString()),
                Map.of("TONLE_BACKUP_PASSPHRASE", "not the custodian passphrase"));
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.output()).contains("wrong passphrase");
        assertThat(keyFile).doesNotExist();

        BackupIT.cli(List.of("key", "import", escrow.toString(), "--config", config.toString(), "--data", data.toString()),
                Map.of("TONLE_BACKUP_PASSPHRASE", PASSPHRASE)).assertSucceeded();
        assertThat(Files.readString(keyFile).trim()).isEqualTo(key.trim());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        try (TestNode node = TestNode.start(nodeRoot)) {
            assertThat(clients(node)).isEqualTo(before);
        }

        // Another office's warehouse was built with another key: this one is refused there.
        Path other = root.resolve("other");
        try (TestNode node = TestNode.start(other)) {
            node.post("/api/v1/activities", record);
        }
        Files.delete(other.resolve("data/secrets/subject-key"));
        BackupIT.Cli refused = BackupIT.cli(List.of("key", "import", escrow.toString(), "--config", other.resolve("config").toString(),
                "--data", other.resolve("data").toString()), Map.of("TONLE_BACKUP_PASSPHRASE", PASSPHRASE));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output()).contains("is not the key the warehouse");
        assertThat(other.resolve("data/secrets/subject-key")).doesNotExist();
    }

    @Test
    void scheduledBackupsAreSealedForTheCustodianAndOnlyTheNewestAreKept(@TempDir Path root) throws Exception {
        Path nodeRoot = root.resolve("office");
        Path config = nodeRoot.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        Custodian custodian = Custodian.create(config, PASSPHRASE);
        Path folder = root.resolve("backups");
        Path settings = config.resolve("tonle.yaml");
        Files.writeString(settings, Files.readString(settings)
                .replace("folder: \"\"", "folder: \"" + folder + "\"").replace("every: 24h", "every: 1s").replace("keep: 14", "keep: 2")
                .replace("recipient: \"\"", "recipient: custodian.asc"));
        try (TestNode node = TestNode.start(nodeRoot)) {
            DemoLoader.load(node.node().ingest(), config.resolve("demo"));
            // Without a passphrase, an asked-for backup is sealed for the configured key too.
            // (409 while a scheduled one runs: one backup at a time.)
            int status = 409;
            for (int tries = 0; status == 409 && tries < 100; tries++) {
                var answer = BackupIT.backup(node.url(), TestNode.ADMIN_TOKEN, null);
                status = answer.statusCode();
                answer.body().transferTo(OutputStream.nullOutputStream());
            }
            assertThat(status).isEqualTo(200);
            Waiting.until("two scheduled backups", () -> backups(folder).size() >= 2
                    && node.get("/api/v1/status").json().path("backup").path("last").path("record_versions").asLong() >= 1374);
            Thread.sleep(2500);
            assertThat(backups(folder)).as("retention").hasSize(2);
            assertThat(node.get("/api/v1/status").json().path("backup").path("scheduled").asBoolean()).isTrue();
        }
        List<Path> kept = backups(folder);
        Path restored = root.resolve("restored/data");
        BackupIT.Cli noIdentity = BackupIT.restore(kept.get(1), restored, PASSPHRASE);
        assertThat(noIdentity.exit()).isEqualTo(1);
        assertThat(noIdentity.output()).contains("--identity");
        BackupIT.cli(List.of("restore", kept.get(1).toString(), "--data", restored.toString(), "--identity", custodian.secretKey().toString()),
                Map.of("TONLE_BACKUP_PASSPHRASE", PASSPHRASE)).assertSucceeded();
        try (TestNode node = TestNode.start(root.resolve("restored"))) {
            assertThat(SeedFiguresIT.value(node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex").json().path("rows"),
                    "sex", "F")).isEqualTo(82);
        }
    }

    static List<Path> backups(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".pgp")).sorted().toList();
        }
    }

    static long clients(TestNode node) {
        return node.get("/api/v1/indicators/social.clients_met/values?period=2015-08").json().path("rows").get(0).path("value").asLong();
    }

    /** The escrow is plain OpenPGP: gpg alone opens it (checked where gpg is installed). */
    static void gpgOpens(Path escrow, Path home, String key) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/gpg"))) {
            return;
        }
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        List<String> command = new ArrayList<>(List.of("gpg", "--homedir", home.toString(), "--batch", "--pinentry-mode", "loopback",
                "--passphrase", PASSPHRASE, "--decrypt", escrow.toString()));
        Process gpg = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String clear;
        try (InputStream in = gpg.getInputStream()) {
            clear = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(gpg.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gpg.exitValue()).isZero();
        assertThat(clear).contains("\"format\":\"tonle-subject-key/1\"").contains(key);
    }
}

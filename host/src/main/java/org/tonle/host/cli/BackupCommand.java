package org.tonle.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.tonle.warehouse.backup.BackupException;
import org.tonle.warehouse.backup.Manifest;
import org.tonle.warehouse.backup.OpenPgp;
import org.tonle.warehouse.backup.Restore;
import org.tonle.warehouse.backup.Secret;

/**
 * {@code tonle backup --out FILE}: an online backup of a running node ({@code POST
 * /api/v1/backup}, admin token in {@code TONLE_TOKEN}), sealed with {@code
 * TONLE_BACKUP_PASSPHRASE} (or, without it, for the node's configured recipient key). The file
 * appears under its name only once it is complete, and, when the passphrase is known here, once
 * it has been opened and checked end to end.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Take an online, encrypted backup of a running node (admin token in TONLE_TOKEN, secret in TONLE_BACKUP_PASSPHRASE).")
final class BackupCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the backup file to write")
    Path out;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default: ${DEFAULT-VALUE})")
    String url;

    @Mixin
    NodeTrust trust = new NodeTrust();

    @Override
    public Integer call() throws IOException {
        String passphrase = System.getenv("TONLE_BACKUP_PASSPHRASE");
        Secret secret = passphrase == null || passphrase.isEmpty() ? null : Secret.passphrase(passphrase);
        if (Files.exists(out)) {
            throw new BackupException(out + " exists; give a new file name (a backup never overwrites another)");
        }
        byte[] body = secret == null ? null : new ObjectMapper().writeValueAsBytes(Map.of("passphrase", passphrase));
        Path part = out.resolveSibling(out.getFileName() + ".part");
        long bytes;
        try {
            HttpResponse<InputStream> answer = NodeClient.fromEnvironment(url, trust)
                    .stream("POST", "api/v1/backup", "application/json", body, "application/octet-stream", Duration.ofHours(12));
            try (InputStream in = answer.body(); OutputStream file = Files.newOutputStream(part)) {
                bytes = in.transferTo(file);
            } catch (IOException e) {
                throw new BackupException("the backup stopped before its end (" + e.getMessage() + "); nothing was kept");
            }
            if (secret != null) {
                Manifest manifest;
                try (InputStream in = Files.newInputStream(part)) {
                    manifest = Restore.verify(OpenPgp.decrypt(in, secret));
                }
                System.err.printf("tonle backup: checked: %d record versions in %d tables, schema %s, taken %s%n",
                        manifest.rows("record_version"), manifest.tables().size(),
                        manifest.schema().isEmpty() ? "-" : manifest.schema().get(manifest.schema().size() - 1), manifest.createdAt());
            }
            Files.move(part, out, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
        System.err.println("tonle backup: wrote " + out + " (" + bytes + " bytes, sealed "
                + (secret == null ? "for the node's configured recipient key" : "with TONLE_BACKUP_PASSPHRASE") + ")");
        return 0;
    }
}

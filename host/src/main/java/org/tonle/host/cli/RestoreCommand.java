package org.tonle.host.cli;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import org.tonle.core.config.TonleConfig;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.warehouse.WarehouseKey;
import org.tonle.warehouse.backup.Manifest;
import org.tonle.warehouse.backup.OpenPgp;
import org.tonle.warehouse.backup.Restore;
import org.tonle.warehouse.backup.Secret;

/**
 * {@code tonle restore FILE --data DIR}: a backup into an empty data folder, with the escrowed
 * pseudonymisation key. Works without a node (it creates the folder a node then serves).
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Restore a backup into an empty data folder (secret in TONLE_BACKUP_PASSPHRASE).")
final class RestoreCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "the backup file")
    Path file;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "the data folder to create; must be empty or absent")
    Path data;

    @Option(names = "--config", paramLabel = "DIR", defaultValue = "config",
            description = "the configuration the node will run with (default: config); with warehouse.encryption on,"
                    + " the warehouse is restored encrypted with its key")
    Path config;

    @Option(names = "--identity", paramLabel = "KEY.asc",
            description = "the custodian's OpenPGP secret key, for backups sealed for a recipient key (TONLE_BACKUP_PASSPHRASE unlocks it)")
    Path identity;

    @Override
    public Integer call() throws Exception {
        String passphrase = System.getenv("TONLE_BACKUP_PASSPHRASE");
        Secret secret = identity == null ? Secret.passphrase(passphrase) : Secret.identity(identity, passphrase);
        Manifest manifest;
        try (InputStream in = Files.newInputStream(file)) {
            manifest = Restore.restore(OpenPgp.decrypt(in, secret), data, RestoreCommand::fingerprint, warehouseKey());
        }
        System.err.printf("""
                tonle restore: restored the backup taken %s into %s
                  %d record versions, %d tables; schema %s
                  the pseudonymisation key is in %s (owner-only); if tonle.yaml names another
                  pseudonymisation.key_file, move it there.
                Start the node with: bin/tonle serve --data %s
                """, manifest.createdAt(), data, manifest.rows("record_version"), manifest.tables().size(), manifest.schema(),
                data.resolve(Manifest.KEY_ENTRY), data);
        return 0;
    }

    /** The key of the warehouse to restore into, when the configuration encrypts it (null: a plain file). */
    private WarehouseKey warehouseKey() {
        if (!Files.exists(config.resolve("tonle.yaml"))) {
            return null;
        }
        WarehouseKey key = WarehouseKey.configured(TonleConfig.load(config).settings(), config, data, System::getenv);
        if (key != null) {
            System.err.println("tonle restore: the warehouse is encrypted at rest (warehouse.encryption in " + config.resolve("tonle.yaml") + ")");
        }
        return key;
    }

    /** The fingerprint the node keeps in its warehouse, of a key file's content. */
    static String fingerprint(byte[] keyFile) {
        return SubjectKeys.of(Base64.getDecoder().decode(new String(keyFile, StandardCharsets.US_ASCII).trim())).fingerprint();
    }
}

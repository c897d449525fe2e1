package org.tonle.host.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.warehouse.backup.BackupException;
import org.tonle.warehouse.backup.OpenPgp;
import org.tonle.warehouse.backup.Secret;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tonle key export|import}: the pseudonymisation key in custody (docs/OPERATIONS.md).
 * The exported file is an OpenPGP message sealed with {@code TONLE_BACKUP_PASSPHRASE} or for a
 * custodian's public key, so a custodian can check it with gpg alone; the import refuses a key
 * that is not the one the data folder's warehouse was built with.
 */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Export or import the pseudonymisation key for custodians.",
        subcommands = {KeyCommand.Export.class, KeyCommand.Import.class})
final class KeyCommand {

    static final String FORMAT = "tonle-subject-key/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the node reads its key: {@code pseudonymisation.key_file}, or {@code subject-key} in the secrets folder. */
    static Path keyFile(Path config, Path data) {
        return (Files.isDirectory(config) ? TonleConfig.load(config).settings() : Settings.defaults()).keyFile(config, data);
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the key, sealed with TONLE_BACKUP_PASSPHRASE or for --recipient, for a custodian.")
    static final class Export implements Callable<Integer> {

        @Option(names = "--out", required = true, paramLabel = "FILE")
        Path out;

        @Option(names = "--recipient", paramLabel = "KEY.asc", description = "seal for this OpenPGP public key instead of a passphrase")
        Path recipient;

        @Option(names = "--config", defaultValue = "config")
        Path config;

        @Option(names = "--data", defaultValue = "data")
        Path data;

        @Override
        public Integer call() throws IOException {
            Path file = keyFile(config, data);
            if (!Files.exists(file)) {
                throw new BackupException("there is no key at " + file + " (a node creates it at its first start)");
            }
            String key = Files.readString(file, StandardCharsets.US_ASCII).trim();
            Secret secret = recipient != null ? Secret.recipient(recipient) : Secret.passphrase(System.getenv("TONLE_BACKUP_PASSPHRASE"));
            if (Files.exists(out)) {
                throw new BackupException(out + " exists; give a new file name");
            }
            Map<String, String> escrow = new LinkedHashMap<>();
            escrow.put("format", FORMAT);
            escrow.put("fingerprint", RestoreCommand.fingerprint(key.getBytes(StandardCharsets.US_ASCII)));
            escrow.put("key", key);
            ByteArrayOutputStream sealed = new ByteArrayOutputStream();
            try (OutputStream clear = OpenPgp.encrypt(sealed, secret, "tonle-subject-key.json")) {
                clear.write(JSON.writeValueAsBytes(escrow));
            }
            Files.write(out, sealed.toByteArray());
            System.err.println("tonle key: wrote " + out + " (key fingerprint " + escrow.get("fingerprint") + ", sealed with "
                    + secret.describe() + "). Give it to the custodians; keep the passphrase apart from it.");
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Put an exported key back where the node reads it (refused if another key is there or the warehouse was built with another).")
    static final class Import implements Callable<Integer> {

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--identity", paramLabel = "KEY.asc", description = "the custodian's OpenPGP secret key, for a key sealed for it")
        Path identity;

        @Option(names = "--config", defaultValue = "config")
        Path config;

        @Option(names = "--data", defaultValue = "data")
        Path data;

        @Override
        public Integer call() throws IOException {
            String passphrase = System.getenv("TONLE_BACKUP_PASSPHRASE");
            Secret secret = identity == null ? Secret.passphrase(passphrase) : Secret.identity(identity, passphrase);
            JsonNode escrow;
            try (InputStream in = OpenPgp.decrypt(Files.newInputStream(file), secret)) {
                escrow = JSON.readTree(new ByteArrayInputStream(in.readAllBytes()));
            }
            if (!FORMAT.equals(escrow.path("format").asText())) {
                throw new BackupException(file + " is not an exported Tonle key");
            }
            String key = escrow.path("key").asText();
            String fingerprint = RestoreCommand.fingerprint(key.getBytes(StandardCharsets.US_ASCII));
            if (!fingerprint.equals(escrow.path("fingerprint").asText())) {
                throw new BackupException(file + " is damaged: the key does not match its fingerprint");
            }
            String built = warehouseFingerprint(data.resolve("tonle.duckdb"));
            if (built != null && !built.equals(fingerprint)) {
                throw new BackupException("this key (fingerprint " + fingerprint + ") is not the key the warehouse in " + data
                        + " was built with (" + built + "); find the custodian copy with that fingerprint");
            }
            Path target = keyFile(config, data);
            if (Files.exists(target)) {
                String present = Files.readString(target, StandardCharsets.US_ASCII).trim();
                if (present.equals(key)) {
                    System.err.println("tonle key: " + target + " already holds this key (fingerprint " + fingerprint + ")");
                    return 0;
                }
                throw new BackupException(target + " holds another key; move it aside yourself if you are sure it is wrong");
            }
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path part = target.resolveSibling(target.getFileName() + ".part");
            Files.writeString(part, key + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                part.toFile().setReadable(false, false);
                part.toFile().setReadable(true, true);
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            System.err.println("tonle key: wrote " + target + " (fingerprint " + fingerprint + ")"
                    + (built == null ? "" : "; it is the key the warehouse was built with"));
            return 0;
        }

        /** The fingerprint the warehouse remembers, or null (no warehouse, none recorded, or a node has it open). */
        private static String warehouseFingerprint(Path warehouse) {
            if (!Files.exists(warehouse)) {
                return null;
            }
            Properties readOnly = new Properties();
            readOnly.setProperty("duckdb.read_only", "true");
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + warehouse.toAbsolutePath(), readOnly);
                 PreparedStatement ps = c.prepareStatement("SELECT value FROM node_setting WHERE name = 'subject_key_fingerprint'");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            } catch (SQLException e) {
                return null; // a running node holds it; it checks the key itself at its next start
            }
        }
    }
}

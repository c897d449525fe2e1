package org.tonle.warehouse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

import org.tonle.core.config.Settings;

/**
 * The key the warehouse file is encrypted with ({@code warehouse.encryption} in tonle.yaml,
 * docs/OPERATIONS.md): 32 random bytes, base64 in a key file outside the data folder or in an
 * environment variable. A new warehouse gets a new key file; an existing one needs its key.
 *
 * @param builtinCrypto whether DuckDB's built-in crypto module may write when its OpenSSL one
 *                      (the httpfs extension) is not installed
 */
public record WarehouseKey(byte[] key, boolean builtinCrypto) {

    /** The name of a warehouse key file in the secrets folder. */
    public static final String FILE = "warehouse-key";

    public WarehouseKey {
        if (key.length != 32) {
            throw new WarehouseException("a warehouse key is 32 bytes (base64, 44 characters); this one has " + key.length);
        }
        key = key.clone();
    }

    /**
     * The key of the warehouse in {@code data} as configured, or null when encryption is off.
     *
     * @param settings    the node's settings
     * @param config      the configuration folder (key_file is relative to it)
     * @param data        the data folder; the key may not lie inside it
     * @param environment reads an environment variable (System::getenv)
     */
    public static WarehouseKey configured(Settings settings, Path config, Path data, UnaryOperator<String> environment) {
        Settings.Encryption encryption = settings.warehouse().encryption();
        if (!encryption.enabled()) {
            return null;
        }
        if (!encryption.keyEnv().isEmpty()) {
            String value = environment.apply(encryption.keyEnv());
            if (value == null || value.isBlank()) {
                throw new WarehouseException("warehouse.encryption.key_env names " + encryption.keyEnv()
                        + ", which is not set: the node cannot open its encrypted warehouse without the key");
            }
            return new WarehouseKey(decode(value, "the variable " + encryption.keyEnv()), encryption.builtinCrypto());
        }
        Path file = settings.warehouseKeyFile(config, data);
        Path root = data.toAbsolutePath().normalize();
        if (file.toAbsolutePath().normalize().startsWith(root)) {
            throw new WarehouseException("the warehouse key " + file + " would lie in the data folder " + root
                    + ": whoever takes the data folder would take its key too. Set secrets.folder (or warehouse.encryption.key_file,"
                    + " or key_env) to a place outside it (docs/OPERATIONS.md)");
        }
        Path warehouse = data.resolve("tonle.duckdb");
        if (!Files.exists(file)) {
            if (Files.exists(warehouse)) {
                throw new WarehouseException("the warehouse key " + file + " is missing, and the warehouse " + warehouse
                        + " cannot be read without it. Put back the key you keep with your backups (docs/OPERATIONS.md)");
            }
            return new WarehouseKey(create(file), encryption.builtinCrypto());
        }
        try {
            return new WarehouseKey(decode(Files.readString(file, StandardCharsets.US_ASCII), file.toString()), encryption.builtinCrypto());
        } catch (IOException e) {
            throw new WarehouseException("cannot read the warehouse key " + file + ": " + e.getMessage(), e);
        }
    }

    /** The key as DuckDB's ENCRYPTION_KEY takes it (text; DuckDB derives the AES key from it). */
    String text() {
        return HexFormat.of().formatHex(key);
    }

    private static byte[] decode(String base64, String where) {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new WarehouseException("the warehouse key in " + where + " is not base64: " + e.getMessage());
        }
    }

    /** A new key, written owner-only from its first byte. */
    private static byte[] create(Path file) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try {
            Path folder = file.toAbsolutePath().getParent();
            if (!Files.exists(folder)) {
                Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
            return key;
        } catch (FileAlreadyExistsException e) {
            throw new WarehouseException("the warehouse key " + file + " appeared while this node created it; start again", e);
        } catch (IOException e) {
            throw new WarehouseException("cannot create the warehouse key " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "WarehouseKey[hidden]";
    }
}

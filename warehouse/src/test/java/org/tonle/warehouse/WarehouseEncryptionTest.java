package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Settings;

/**
 * The warehouse file encrypted at rest (DuckDB database encryption): nothing readable on disk,
 * the same data back with the key, and plain words for every way of opening it wrongly.
 */
class WarehouseEncryptionTest {

    private static final String WAL = "256MB";
    private static final String MARKER = "Kampong Marker Office";

    @TempDir
    Path dir;

    @Test
    void theFileAndItsLogHoldNoPlaintextAndTheKeyOpensItAgain() throws Exception {
        Path file = dir.resolve("tonle.duckdb");
        WarehouseKey key = key(1);
        try (Warehouse warehouse = open(file, key)) {
            assertThat(warehouse.encrypted()).isTrue();
            execute(warehouse, "INSERT INTO dim_office VALUES ('KMO', '" + MARKER + "')");
            // Before a checkpoint the row is in the write-ahead log only.
            assertThat(Files.exists(Path.of(file + ".wal"))).isTrue();
            assertThat(contains(Path.of(file + ".wal"), MARKER)).as("the write-ahead log is encrypted").isFalse();
            warehouse.checkpoint();
        }
        assertThat(contains(file, MARKER)).as("the file is encrypted").isFalse();
        assertThat(contains(file, "dim_office")).as("so is its catalogue").isFalse();

        try (Warehouse warehouse = open(file, key)) {
            assertThat(value(warehouse, "SELECT name FROM dim_office WHERE code = 'KMO'")).isEqualTo(MARKER);
            assertThat(value(warehouse, "SELECT count(*) FROM schema_migration")).isEqualTo(String.valueOf(Warehouse.migrations().size()));
        }

        // The control: a plain warehouse shows the same row to anyone who reads its bytes.
        Path plain = dir.resolve("plain.duckdb");
        try (Warehouse warehouse = Warehouse.open(plain)) {
            execute(warehouse, "INSERT INTO dim_office VALUES ('KMO', '" + MARKER + "')");
            warehouse.checkpoint();
        }
        assertThat(contains(plain, MARKER)).isTrue();
    }

    @Test
    void withoutItsKeyWithAnotherKeyOrWithAKeyForAPlainFileTheWarehouseIsRefusedInPlainWords() {
        Path file = dir.resolve("tonle.duckdb");
        open(file, key(1)).close();
        assertThatThrownBy(() -> Warehouse.open(file)).isInstanceOf(WarehouseException.class)
                .hasMessageContaining("is encrypted, and this node has no key for it").hasMessageContaining("warehouse.encryption");
        assertThatThrownBy(() -> open(file, key(2))).isInstanceOf(WarehouseException.class)
                .hasMessageContaining("the warehouse key does not open " + file);
        Path plain = dir.resolve("plain.duckdb");
        Warehouse.open(plain).close();
        assertThatThrownBy(() -> open(plain, key(1))).isInstanceOf(WarehouseException.class)
                .hasMessageContaining("is not encrypted").hasMessageContaining("back it up and restore it");
    }

    @Test
    void withoutOpenSslTheBuiltInModuleIsUsedOnlyWhenTheConfigurationAcceptsIt() {
        WarehouseKey strict = new WarehouseKey(key(1).key(), false);
        assertThatThrownBy(() -> open(dir.resolve("tonle.duckdb"), strict)).isInstanceOf(WarehouseException.class)
                .hasMessageContaining("OpenSSL crypto module (its httpfs extension) is not installed")
                .hasMessageContaining("builtin_crypto: true");
        assertThat(dir.resolve("tonle.duckdb")).doesNotExist();
    }

    @Test
    void theConfiguredKeyComesFromItsFileOrTheEnvironmentNeverFromTheDataFolder() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path data = Files.createDirectories(dir.resolve("data"));
        assertThat(WarehouseKey.configured(settings(new Settings.Encryption(false, "", "", false), ""), config, data, name -> null)).isNull();

        // Default: warehouse-key in the secrets folder, which must then lie outside the data folder.
        Settings inData = settings(new Settings.Encryption(true, "", "", true), "");
        assertThatThrownBy(() -> WarehouseKey.configured(inData, config, data, name -> null))
                .hasMessageContaining("would lie in the data folder").hasMessageContaining("secrets.folder");

        Settings outside = settings(new Settings.Encryption(true, "", "", true), "../secrets");
        WarehouseKey created = WarehouseKey.configured(outside, config, data, name -> null);
        Path file = dir.resolve("secrets/warehouse-key");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Base64.getDecoder().decode(Files.readString(file).strip())).isEqualTo(created.key());
        assertThat(WarehouseKey.configured(outside, config, data, name -> null).key()).as("read back, not made anew").isEqualTo(created.key());

        // A warehouse without its key file is refused, not given a new key.
        Files.delete(file);
        Files.writeString(data.resolve("tonle.duckdb"), "");
        assertThatThrownBy(() -> WarehouseKey.configured(outside, config, data, name -> null))
                .hasMessageContaining("the warehouse key " + file + " is missing");

        String base64 = Base64.getEncoder().encodeToString(key(7).key());
        Settings env = settings(new Settings.Encryption(true, "", "TONLE_WAREHOUSE_KEY", true), "");
        assertThat(WarehouseKey.configured(env, config, data, Map.of("TONLE_WAREHOUSE_KEY", base64)::get).key()).isEqualTo(key(7).key());
        assertThatThrownBy(() -> WarehouseKey.configured(env, config, data, name -> null))
                .hasMessageContaining("key_env names TONLE_WAREHOUSE_KEY, which is not set");
        assertThat(key(7).toString()).doesNotContain(base64);
    }

    private static Settings settings(Settings.Encryption encryption, String secrets) {
        return new Settings(null, null, null, null, null, new Settings.Warehouse(null, encryption), null, null, null,
                new Settings.Secrets(secrets), null);
    }

    private static Warehouse open(Path file, WarehouseKey key) {
        return Warehouse.open(file, WAL, new Settings.Sql(0), key);
    }

    /** A test key accepted with DuckDB's built-in module (httpfs is not installed on the build machines). */
    private static WarehouseKey key(int seed) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) seed);
        return new WarehouseKey(key, true);
    }

    static boolean contains(Path file, String text) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void execute(Warehouse warehouse, String sql) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String value(Warehouse warehouse, String sql) throws SQLException {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}

package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;

/**
 * An analyst worker that cannot load DuckDB's OpenSSL module (httpfs) encrypts what it spills of
 * an encrypted snapshot with DuckDB's built-in module only where the node's configuration
 * accepts it (warehouse.encryption.builtin_crypto), as the node itself does at start: the node
 * hands its decision over with each statement. Without that consent the worker refuses the
 * statement in plain words and attaches nothing, so nothing is read or spilled; with it the
 * statement runs with spill encryption on. The worker runs as the node starts it, with a home
 * folder whose DuckDB extension folder is empty, so httpfs cannot load whatever this machine has.
 */
class SqlWorkerBuiltinCryptoTest {

    private static final String OFFICE_NAME = "Kampong Qx4 Consent Office";

    @Test
    void withoutOpenSslAWorkerRefusesUnlessTheNodeAcceptsTheBuiltInModule(@TempDir Path dir) throws Exception {
        Settings.Sql limits = new Settings.Sql(5, "512MB", 2, "100MB", 0, 2);
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", limits, key(true));
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"))) {
            assertThat(warehouse.builtinCryptoAccepted()).isTrue();
            assertThat(snapshots.builtinCrypto()).as("the node's consent, as the workers are handed it").isTrue();
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO dim_office VALUES ('QX4', '" + OFFICE_NAME + "')");
            }
            String snapshot = snapshots.current().file().toAbsolutePath().toString();
            String key = snapshots.keyText();
            Path home = Files.createDirectories(dir.resolve("home-without-httpfs/.duckdb/extensions")).getParent().getParent();
            // DuckDB's spill folder, apart from the JVM's temporary folder (where the driver unpacks its native library).
            Path spill = dir.resolve("worker-spill");
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("worker-tmp")),
                    "-cp", System.getProperty("java.class.path"), SqlWorker.class.getName(), spill.toString(), "256MB", "1", "100MB")
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().keySet().retainAll(AnalystWorkers.WORKER_ENVIRONMENT);
            builder.environment().put("HOME", home.toString());
            Process worker = builder.start();
            try (DataOutputStream in = new DataOutputStream(new BufferedOutputStream(worker.getOutputStream()));
                 DataInputStream out = new DataInputStream(new BufferedInputStream(worker.getInputStream()))) {
                assertThat(WorkerFrames.frame(out)).isEqualTo("R:");
                String sql = "SELECT name, 'spill encrypted: ' || current_setting('temp_file_encryption')::VARCHAR AS spill FROM offices";

                String refused = WorkerFrames.ask(in, out, snapshot, key, false, sql);
                assertThat(refused).startsWith("X:").contains("the query was not run").contains("httpfs")
                        .contains("warehouse.encryption.builtin_crypto is true").doesNotContain(OFFICE_NAME).doesNotContain(key);
                assertThat(filesUnder(spill)).as("nothing spilled or written by the refused statement").isEmpty();

                String answered = WorkerFrames.ask(in, out, snapshot, key, true, sql);
                assertThat(answered).startsWith("D:").contains(OFFICE_NAME).contains("spill encrypted: true");

                // Consent is the node's, statement by statement: withdrawn, the open snapshot is refused again.
                assertThat(WorkerFrames.ask(in, out, snapshot, key, false, sql)).startsWith("X:").contains("the query was not run")
                        .doesNotContain(OFFICE_NAME);
                in.writeInt(Wire.QUIT);
                in.flush();
            } finally {
                assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    /** A plain snapshot needs no crypto module: the worker answers whatever the node's consent. */
    @Test
    void aPlainSnapshotIsReadWithoutAnyCryptoModule(@TempDir Path dir) throws Exception {
        Settings.Sql limits = new Settings.Sql(5, "512MB", 2, "100MB", 0, 2);
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", limits);
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"))) {
            assertThat(warehouse.builtinCryptoAccepted()).isFalse();
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO dim_office VALUES ('QX4', '" + OFFICE_NAME + "')");
            }
            String snapshot = snapshots.current().file().toAbsolutePath().toString();
            Path spill = dir.resolve("worker");
            Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Djava.io.tmpdir=" + Files.createDirectories(spill),
                    "-cp", System.getProperty("java.class.path"), SqlWorker.class.getName(), spill.toString(), "256MB", "1", "100MB")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (DataOutputStream in = new DataOutputStream(new BufferedOutputStream(worker.getOutputStream()));
                 DataInputStream out = new DataInputStream(new BufferedInputStream(worker.getInputStream()))) {
                assertThat(WorkerFrames.frame(out)).isEqualTo("R:");
                assertThat(WorkerFrames.ask(in, out, snapshot, "", false, "SELECT name FROM offices")).startsWith("D:").contains(OFFICE_NAME);
                in.writeInt(Wire.QUIT);
                in.flush();
            } finally {
                assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private static List<Path> filesUnder(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }


    /** The node's own start needs the built-in module here (the build machines have no httpfs). */
    private static WarehouseKey key(boolean builtinCrypto) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 5 + 1);
        }
        return new WarehouseKey(key, builtinCrypto);
    }
}

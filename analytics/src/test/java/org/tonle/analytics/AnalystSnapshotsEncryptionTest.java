package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;

/**
 * With the warehouse encrypted (warehouse.encryption), the analyst snapshots are encrypted too,
 * as an attacker who has read the source would check: after records with distinctive values are
 * copied (in full, then incrementally) and analysts' statements ran, no file under the node's
 * folders holds those values or a plain DuckDB database; the snapshots' key is in no worker's
 * command line or environment and in no log line; statements answer as before; and a worker
 * handed a snapshot without its key (or with another) reads nothing. The same run on a plain
 * warehouse is the control: there the scan finds the values.
 */
class AnalystSnapshotsEncryptionTest {

    private static final String OFFICE_NAME = "Kampong Zq7 Distinct Office";
    private static final String SETTING = "zq9-distinct-shelter";
    /** A pseudonymised subject key, as the ingest route writes it. */
    private static final UUID SUBJECT = UUID.fromString("5eb1a7c2-93d4-4e0f-8a61-0c2f9d7e4b13");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void anEncryptedWarehousesSnapshotsHoldNoRecordInClearAndTheirKeyStaysInMemory(@TempDir Path dir) throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try {
            Scan scan = run(dir, true);
            assertThat(scan.key()).hasSize(64);
            assertThat(scan.found()).as("files under the node's folders holding a record's value or a plain database").isEmpty();
            assertThat(scan.snapshotFiles()).as("snapshot files were scanned").isNotEmpty();
            for (String line : logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList()) {
                assertThat(line).doesNotContain(scan.key());
            }
        } finally {
            root.detachAppender(logs);
        }
    }

    /** The control: the same records and statements on a plain warehouse leave their values readable in the snapshots. */
    @Test
    void aPlainWarehousesSnapshotsShowTheValuesTheScanLooksFor(@TempDir Path dir) throws Exception {
        Scan scan = run(dir, false);
        assertThat(scan.key()).isNull();
        assertThat(scan.found()).anySatisfy(f -> assertThat(f).contains("analyst-snapshot").contains(OFFICE_NAME));
        assertThat(scan.found()).anySatisfy(f -> assertThat(f).contains("analyst-snapshot").contains(SETTING));
        assertThat(scan.found()).anySatisfy(f -> assertThat(f).contains("analyst-snapshot").contains("subject key"));
        assertThat(scan.found()).anySatisfy(f -> assertThat(f).contains("analyst-snapshot").contains("plain DuckDB"));
    }

    /** What one run found: "file: what" for each hit, the snapshot files scanned, and the snapshot key (null: plain). */
    private record Scan(List<String> found, List<Path> snapshotFiles, String key) {
    }

    private static Scan run(Path dir, boolean encrypted) throws Exception {
        Settings.Sql limits = new Settings.Sql(5, "512MB", 2, "100MB", 0, 2);
        Path file = dir.resolve("data/tonle.duckdb");
        try (Warehouse warehouse = encrypted ? Warehouse.open(file, "64MB", limits, key()) : Warehouse.open(file, "64MB", limits)) {
            assertThat(warehouse.encrypted()).isEqualTo(encrypted);
            SqlSandbox sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(TIMEOUT, 1 << 20, 2));
            try (sandbox;
                 AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"));
                 AnalystWorkers workers = new AnalystWorkers(snapshots, warehouse.spillFolder().resolve("analyst-workers"),
                         AnalystWorkers.Limits.of(TIMEOUT, 1 << 20, 2, "256MB", 1, "100MB"))) {
                try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO dim_office VALUES ('ZQ7', '" + OFFICE_NAME + "')");
                    s.execute("INSERT INTO dim_attribute VALUES ('social', 'client_contact', 'setting', 'enum')");
                    s.execute(facts(0, 3000));
                }
                assertThat(rows(workers, sandbox, "SELECT name FROM offices WHERE code = 'ZQ7'")).containsExactly(List.of(OFFICE_NAME));
                assertThat(rows(workers, sandbox, "SELECT count(*) FROM activity_attributes WHERE value = '" + SETTING + "'"))
                        .containsExactly(List.of(3000L));
                assertThat(snapshots.lastWasIncremental()).isFalse();

                // More records: the previous (encrypted) file is copied and updated.
                try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                    s.execute(facts(3000, 3500));
                }
                AnalystSnapshotsTest.commit(snapshots, List.of(), AnalystSnapshotsTest.ids(3000, 3500));
                assertThat(rows(workers, sandbox, "SELECT count(*), count(*) FILTER (subject_key = '" + SUBJECT + "') FROM activities"))
                        .containsExactly(List.of(3500L, 4L));
                assertThat(snapshots.lastWasIncremental()).as("the second snapshot was made incrementally").isTrue();

                String key = snapshots.keyText();
                assertThat(workers.pids()).hasSize(2);
                for (long pid : workers.pids()) {
                    for (String what : List.of("cmdline", "environ")) {
                        String text = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), what)), StandardCharsets.ISO_8859_1);
                        assertThat(text).as("worker %d's %s", pid, what).isNotEmpty();
                        if (key != null) {
                            assertThat(text).as("worker %d's %s", pid, what).doesNotContain(key);
                        }
                    }
                    // Nor anything of the node's environment beyond where to run (the warehouse
                    // key's variable, the backup passphrase): only the allowed names.
                    String environ = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.ISO_8859_1);
                    assertThat(Arrays.stream(environ.split("\0")).filter(e -> !e.isEmpty()).map(e -> e.substring(0, e.indexOf('='))))
                            .as("worker %d's environment (PWD is the JDK's launcher's own)", pid)
                            .isSubsetOf(Stream.concat(AnalystWorkers.WORKER_ENVIRONMENT.stream(), Stream.of("PWD")).toList());
                }
                List<Path> snapshotFiles;
                try (Stream<Path> files = Files.walk(warehouse.spillFolder().resolve("analyst-snapshot"))) {
                    snapshotFiles = files.filter(Files::isRegularFile).toList();
                }
                // While the workers hold their snapshot open, and everything the instance wrote so far.
                List<Path> everything = new ArrayList<>();
                try (Stream<Path> files = Files.walk(dir)) {
                    files.filter(Files::isRegularFile).forEach(everything::add);
                }
                return new Scan(scan(everything), snapshotFiles, key);
            }
        }
    }

    /**
     * A worker started as the node starts it, asked for a snapshot of an encrypted warehouse:
     * without the key or with another it refuses, naming no value; with the key it answers.
     */
    @Test
    void aWorkerCannotReadAnEncryptedSnapshotWithoutItsKey(@TempDir Path dir) throws Exception {
        Settings.Sql limits = new Settings.Sql(5, "512MB", 2, "100MB", 0, 2);
        try (Warehouse warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"), "64MB", limits, key());
             AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"))) {
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO dim_office VALUES ('ZQ7', '" + OFFICE_NAME + "')");
            }
            String snapshot = snapshots.current().file().toAbsolutePath().toString();
            // Not even DuckDB itself, as an attacker with a copy of the file would try.
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("ATTACH '" + snapshot + "' AS stolen (READ_ONLY)")).isInstanceOf(SQLException.class)
                        .hasMessageContaining("without a key");
            }
            String other = "00".repeat(32);
            String sql = "SELECT name FROM offices";
            Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("worker")),
                    "-cp", System.getProperty("java.class.path"), SqlWorker.class.getName(), dir.resolve("worker").toString(), "256MB", "1", "100MB")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (DataOutputStream in = new DataOutputStream(new BufferedOutputStream(worker.getOutputStream()));
                 DataInputStream out = new DataInputStream(new BufferedInputStream(worker.getInputStream()))) {
                assertThat(WorkerFrames.frame(out)).isEqualTo("R:");
                assertThat(WorkerFrames.ask(in, out, snapshot, "", true, sql)).startsWith("X:").contains("without a key").doesNotContain(OFFICE_NAME);
                assertThat(WorkerFrames.ask(in, out, snapshot, other, true, sql)).startsWith("X:").contains("Wrong encryption key").doesNotContain(OFFICE_NAME)
                        .doesNotContain(other);
                assertThat(WorkerFrames.ask(in, out, snapshot, snapshots.keyText(), true, sql)).startsWith("D:").contains(OFFICE_NAME);
                // Once open with the key, the same file without it is refused all the same.
                assertThat(WorkerFrames.ask(in, out, snapshot, "", true, sql)).startsWith("X:").contains("without a key");
                in.writeInt(Wire.QUIT);
                in.flush();
            } finally {
                assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }


    /** "file: what" for each file that holds a distinctive value or is a plain DuckDB database. */
    static List<String> scan(List<Path> files) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException gone) {
                continue; // deleted meanwhile (a worker's spill, an old generation)
            }
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            for (String value : List.of(OFFICE_NAME, SETTING)) {
                if (text.contains(value)) {
                    found.add(f + ": " + value);
                }
            }
            for (byte[] form : subjectForms()) {
                if (text.contains(new String(form, StandardCharsets.ISO_8859_1))) {
                    found.add(f + ": the subject key");
                }
            }
            if (plainDuckDb(bytes)) {
                found.add(f + ": a plain DuckDB database");
            }
        }
        return found;
    }

    /** A DuckDB database file whose header does not say it is encrypted (its flags' lowest bit). */
    static boolean plainDuckDb(byte[] bytes) {
        return bytes.length >= 28 && bytes[8] == 'D' && bytes[9] == 'U' && bytes[10] == 'C' && bytes[11] == 'K' && (bytes[20] & 1) == 0;
    }

    /**
     * The subject key as text, and its 16 bytes as DuckDB may store a UUID: big-endian, and its
     * int128 form (top bit flipped) little-endian.
     */
    private static List<byte[]> subjectForms() {
        ByteBuffer big = ByteBuffer.allocate(16).putLong(SUBJECT.getMostSignificantBits()).putLong(SUBJECT.getLeastSignificantBits());
        ByteBuffer little = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(SUBJECT.getLeastSignificantBits())
                .putLong(SUBJECT.getMostSignificantBits() ^ Long.MIN_VALUE);
        return List.of(SUBJECT.toString().getBytes(StandardCharsets.US_ASCII), big.array(), little.array());
    }

    private static List<List<Object>> rows(AnalystWorkers workers, SqlSandbox sandbox, String sql) {
        return workers.rows(sandbox.check(sql), 100).value().rows();
    }

    private static String facts(int from, int to) {
        return "INSERT INTO fact_activity SELECT md5('record-' || i)::UUID, 'social', 'client_contact', 'ZQ7',"
                + " DATE '2015-08-01' + (i % 28)::INTEGER, CASE WHEN i % 1000 = 7 THEN '" + SUBJECT + "'::UUID ELSE md5('person-' || i)::UUID END, 'client', 'F', 12::SMALLINT, '12-14', 1,"
                + " '{\"setting\":\"" + SETTING + "\"}' FROM range(" + from + ", " + to + ") t(i)";
    }

    private static WarehouseKey key() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 7 + 3);
        }
        return new WarehouseKey(key, true);
    }
}

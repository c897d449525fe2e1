package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * DESIGN.md 2 and 9 with warehouse.encryption on, as an attacker who has read the source would
 * check: records with distinctive values (an office's name, a subject's pseudonymised key, a
 * free-text attribute) are recorded over HTTP and through an import, analysts' statements run
 * (so the analyst snapshot exists, in full and then incrementally) and answer correctly; then
 * every file under the data folder, and every file the test JVM's temporary folder gained
 * meanwhile, is searched byte by byte for those values, and the data folder for DuckDB databases
 * whose header says they are plain; while the node runs and after it stopped (the indicator
 * cube's file). The analyst workers' command lines and environments, and the log, hold no key.
 */
class EncryptedAtRestIT {

    static final String OFFICE_NAME = "Kampong Zq7 Distinct Office";
    static final String FACILITY = "Zq8 Distinct Clinic";
    static final String REF = "ZQX-C-ZQ5-DISTINCT";
    static final String ANALYST_TOKEN = "analyst-token";
    private static final Pattern HEX_KEY = Pattern.compile("(?i)(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])");

    @TempDir
    Path root;

    @Test
    void noRecordValueInClearInAnyFileAndNoKeyOnAnyCommandLineEnvironmentOrLog() throws Exception {
        Instant started = Instant.now().minusSeconds(2);
        Path config = WarehouseEncryptionIT.encryptedConfig(root);
        Files.writeString(config.resolve("offices.yaml"), Files.readString(config.resolve("offices.yaml"))
                + "  - code: ZQX\n    name: " + OFFICE_NAME + "\n");
        Files.writeString(config.resolve("deployments/ZQX.yaml"), "programs: [social]\n");
        Logger rootLogger = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        rootLogger.addAppender(log);
        List<String> subjectKeys;
        try (TestNode node = TestNode.start(root)) {
            assertThat(node.node().warehouse().encrypted()).isTrue();
            node.node().access().add(new Caller("ana", Role.ANALYST, Set.of(), Set.of()), ANALYST_TOKEN);
            for (int i = 0; i < 20; i++) {
                assertThat(node.post("/api/v1/activities", contact(i)).status()).isEqualTo(200);
            }
            assertThat(node.post("/api/v1/activities", exam(100)).status()).isEqualTo(200);
            assertThat(sql(node, "SELECT name FROM offices WHERE code = 'ZQX'")).isEqualTo("[[\"" + OFFICE_NAME + "\"]]");
            assertThat(sql(node, "SELECT count(*) FROM activities WHERE office = 'ZQX'")).isEqualTo("[[21]]");

            // More records, through an import: the next snapshot is a copy of the encrypted one, updated.
            StringBuilder ndjson = new StringBuilder();
            for (int i = 20; i < 40; i++) {
                ndjson.append(contact(i).replace("\n", " ")).append('\n');
            }
            TestNode.Response imported = node.send("POST", "/api/v1/imports", TestNode.ADMIN_TOKEN, "application/x-ndjson", ndjson.toString(), null);
            assertThat(imported.status()).as(imported.body()).isEqualTo(201);
            String job = "/api/v1/imports/" + imported.json().path("id").asText();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !node.get(job).json().path("state").asText().equalsIgnoreCase("running"));
            assertThat(node.get(job).json().path("accepted").asInt()).as(node.get(job).body()).isEqualTo(20);
            assertThat(sql(node, "SELECT count(*) FROM activities WHERE office = 'ZQX'")).isEqualTo("[[41]]");
            subjectKeys = new ArrayList<>();
            for (var row : node.send("POST", "/api/v1/sql", ANALYST_TOKEN, "application/json",
                    AdHocSqlIT.body("SELECT DISTINCT subject_key::VARCHAR FROM activities WHERE office = 'ZQX'", 100), "application/json")
                    .json().path("rows")) {
                subjectKeys.add(row.get(0).asText());
            }
            assertThat(subjectKeys).hasSize(41);
            assertThat(indicator(node)).as("the cube answers").contains("\"office\":\"ZQX\",\"value\":40");

            List<ProcessHandle> workers = ProcessHandle.current().descendants()
                    .filter(p -> read(Path.of("/proc", Long.toString(p.pid()), "cmdline")).contains("org.tonle.analytics.SqlWorker")).toList();
            assertThat(workers).as("analyst workers").isNotEmpty();
            for (ProcessHandle worker : workers) {
                for (String what : List.of("cmdline", "environ")) {
                    String text = read(Path.of("/proc", Long.toString(worker.pid()), what));
                    assertThat(text).as("worker %d's %s", worker.pid(), what).isNotEmpty();
                    assertNoKey(text, "worker " + worker.pid() + "'s " + what);
                }
            }
            assertThat(scan(node.data(), subjectKeys, true, null)).as("while running").isEmpty();
        } finally {
            rootLogger.detachAppender(log);
        }
        assertThat(root.resolve("data/indicator-cube.bin")).as("the cube's file, written at the stop").exists();
        assertThat(scan(root.resolve("data"), subjectKeys, true, null)).as("after the stop").isEmpty();
        // The control: the operator's own configuration (not written by Tonle) names the office in clear.
        assertThat(scan(root.resolve("config"), subjectKeys, false, null)).singleElement().asString().contains("offices.yaml: " + OFFICE_NAME);
        assertThat(scan(Path.of(System.getProperty("java.io.tmpdir")), subjectKeys, false, FileTime.from(started)))
                .as("files the temporary folder gained").allSatisfy(f -> assertThat(f).startsWith(root.resolve("config").toString()));
        assertThat(log.list).isNotEmpty();
        for (ILoggingEvent event : log.list) {
            assertNoKey(event.getFormattedMessage(), "the log");
        }
    }

    /** Neither the warehouse key (as its file holds it, or as DuckDB takes it) nor anything shaped like the snapshot key. */
    private void assertNoKey(String text, String where) throws IOException {
        String base64 = Files.readString(root.resolve("warehouse-key")).strip();
        String hex = HexFormat.of().formatHex(Base64.getDecoder().decode(base64));
        assertThat(text).as(where).doesNotContain(base64).doesNotContainIgnoringCase(hex).doesNotContain("ENCRYPTION_KEY");
        assertThat(HEX_KEY.matcher(text).find()).as(where + " holds 64 hex digits, the shape of the analyst snapshot key: " + text).isFalse();
    }

    /**
     * "file: what" for each file under {@code folder} (modified since {@code since}, if given)
     * that holds a distinctive value, or, where {@code databases}, is a plain DuckDB database.
     */
    private static List<String> scan(Path folder, List<String> subjectKeys, boolean databases, FileTime since) throws IOException {
        List<byte[]> needles = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String value : List.of(OFFICE_NAME, FACILITY, REF)) {
            needles.add(value.getBytes(StandardCharsets.UTF_8));
            names.add(value);
        }
        for (String key : subjectKeys) {
            UUID uuid = UUID.fromString(key);
            needles.add(key.getBytes(StandardCharsets.US_ASCII));
            needles.add(ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array());
            needles.add(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(uuid.getLeastSignificantBits())
                    .putLong(uuid.getMostSignificantBits() ^ Long.MIN_VALUE).array());
            names.addAll(List.of("subject key " + key, "subject key " + key + " (binary)", "subject key " + key + " (DuckDB's int128)"));
        }
        List<String> found = new ArrayList<>();
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (!attributes.isRegularFile() || (since != null && attributes.lastModifiedTime().compareTo(since) < 0)
                        || attributes.size() > (1L << 30)) {
                    return FileVisitResult.CONTINUE;
                }
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (IOException | RuntimeException unreadable) {
                    return FileVisitResult.CONTINUE; // gone meanwhile, or not ours
                }
                String text = new String(bytes, StandardCharsets.ISO_8859_1);
                for (int i = 0; i < needles.size(); i++) {
                    if (text.contains(new String(needles.get(i), StandardCharsets.ISO_8859_1))) {
                        found.add(file + ": " + names.get(i));
                    }
                }
                if (databases && bytes.length >= 28 && text.startsWith("DUCK", 8) && (bytes[20] & 1) == 0) {
                    found.add(file + ": a plain DuckDB database");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return found;
    }

    private static String contact(int i) {
        return """
                {"id": "%s", "program": "social", "type": "client_contact", "office": "ZQX", "date": "2015-08-03",
                 "subject": {"ref": "%s-%d", "role": "client", "sex": "F", "age": 12}, "attributes": {"setting": "shelter"}}"""
                .formatted(UUID.nameUUIDFromBytes(("contact-" + i).getBytes(StandardCharsets.UTF_8)), REF, i);
    }

    private static String exam(int i) {
        return """
                {"id": "%s", "program": "social", "type": "medical_exam", "office": "ZQX", "date": "2015-08-04",
                 "subject": {"ref": "%s-%d", "role": "victim", "sex": "F", "age": 12}, "attributes": {"facility": "%s"}}"""
                .formatted(UUID.nameUUIDFromBytes(("exam-" + i).getBytes(StandardCharsets.UTF_8)), REF, i, FACILITY);
    }

    private static String sql(TestNode node, String sql) {
        TestNode.Response answer = node.send("POST", "/api/v1/sql", ANALYST_TOKEN, "application/json", AdHocSqlIT.body(sql, 100),
                "application/json");
        assertThat(answer.status()).as(sql + " -> " + answer.body()).isEqualTo(200);
        return answer.json().path("rows").toString();
    }

    private static String indicator(TestNode node) {
        return node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&by=office").body();
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}

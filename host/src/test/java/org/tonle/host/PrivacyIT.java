package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tonle.pipelines.Quarantine;
import org.tonle.pipelines.SubjectKeys;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * DESIGN.md section 2: a raw subject ref never reaches the warehouse, the dead-letter store,
 * any file under the data directory, the log, or an answer — whatever path the record takes
 * (accepted, rejected, malformed, corrected, voided).
 */
class PrivacyIT {

    static final String REF = "SECRET-CASE-4711";

    @Test
    void noRawRefAnywhere(@TempDir Path root) throws Exception {
        Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        rootLogger.addAppender(log);
        List<String> answers = new ArrayList<>();
        String id = UUID.randomUUID().toString();
        String record = """
                {"id": "%s", "program": "social", "type": "client_contact", "office": "PNH", "date": "2015-08-03",
                 "subject": {"ref": "%s", "role": "%s", "sex": "F", "age": 12}}""";
        try (TestNode node = TestNode.start(root)) {
            answers.add(node.post("/api/v1/activities", record.formatted(id, REF, "client")).body());
            answers.add(node.post("/api/v1/activities", record.formatted(UUID.randomUUID(), REF, "judge")).body());
            answers.add(node.post("/api/v1/activities", record.formatted(id, REF, "victim")).body());
            answers.add(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                    "{\"id\": \"1\", \"subject\": {\"ref\": \"" + REF + "\", \"role\": \n{\"subject\": \"" + REF + "\"}\n", null).body());
            answers.add(node.post("/api/v1/activities", "{\"subject\": {\"ref\": \"" + REF + "\"").body());
            answers.add(node.send("PUT", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, "application/json",
                    record.formatted(id, REF, "family"), null).body());
            answers.add(node.send("DELETE", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, null, null, null).body());
            assertThat(answers.get(0)).contains("\"accepted\":1");
            assertThat(answers.get(1)).contains("subject.role");
        } finally {
            rootLogger.detachAppender(log);
        }
        assertThat(answers).allSatisfy(answer -> assertThat(answer).doesNotContain(REF));
        assertThat(log.list).isNotEmpty().allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain(REF));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve("data"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anySatisfy(f -> assertThat(f.getFileName().toString()).isEqualTo("tonle.duckdb"));
        byte[] needle = REF.getBytes(StandardCharsets.UTF_8);
        for (Path file : files) {
            assertThat(indexOf(Files.readAllBytes(file), needle)).as("raw ref in " + file).isEqualTo(-1);
        }
    }

    static final String CODE = "HL-CASE-8812";
    /** The code written entirely as JSON escapes, which a search for the plain code would miss. */
    static final String ESCAPED = CODE.chars().mapToObj(c -> String.format("\\u%04x", c)).collect(Collectors.joining());

    /** Lines that are not JSON, holding the code in shapes a regex redaction missed. */
    static final List<String> SHAPES = List.of(
            "{\"subject\": {\"ref\": \"\\u0048L-CASE-8812\", \"role\": ",
            "{\"subject\": {\"\\u0072\\u0065f\": \"HL-CASE-8812\"}",
            "{'subject': {'ref': 'HL-CASE-8812'}}",
            "{\"subject\": {\"ref\": \"HL-CASE-8812",
            "HL-CASE-8812",
            "{\"subject\": {\"ref\": \"HL-CASE-8812\"}} trailing",
            "{\"subject\": {\"ref\": \"" + ESCAPED + "\", \"role\": ",
            "{\"subject\": {\"ref\": [\"HL-CASE-8812\"",
            "{\"subject\": {\"ref\": HL-CASE-8812}}");

    /**
     * DESIGN.md 9.2, as an attacker who read the old redaction would try: the code in every
     * shape a line can take that is not JSON, through every way in (HTTP, an import, an office
     * inbox, the hotline folder). Nothing of it may be answered, logged, or stored: the whole
     * data folder's bytes (warehouse, WAL, key folder, intake, inbox) and every text column of
     * the warehouse are searched for the code and its escaped spelling.
     */
    @Test
    void linesThatAreNotJsonLeaveNoTraceOfTheCodeWhateverTheirShape(@TempDir Path root) throws Exception {
        Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        rootLogger.addAppender(log);
        List<String> answers = new ArrayList<>();
        String ndjson = String.join("\n", SHAPES) + "\n";
        try (TestNode node = TestNode.start(root)) {
            TestNode.Response direct = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", ndjson, null);
            answers.add(direct.body());
            assertThat(direct.json().path("rejected")).hasSize(SHAPES.size());
            for (String shape : SHAPES) {
                TestNode.Response single = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", shape, null);
                assertThat(single.status()).as(single.body()).isIn(200, 400);
                answers.add(single.body());
            }
            TestNode.Response imported = node.send("POST", "/api/v1/imports", TestNode.ADMIN_TOKEN, "application/x-ndjson", ndjson, null);
            assertThat(imported.status()).as(imported.body()).isEqualTo(201);
            answers.add(imported.body());
            answers.add(node.get("/api/v1/imports/" + imported.json().path("id").asText()).body());

            Path inbox = node.data().resolve("inbox/PNH");
            Files.createDirectories(inbox);
            Files.writeString(inbox.resolve(".shapes.ndjson.part"), ndjson);
            Files.move(inbox.resolve(".shapes.ndjson.part"), inbox.resolve("shapes.ndjson"));
            Path hotline = node.data().resolve("intake/hotline");
            Files.createDirectories(hotline);
            for (int i = 0; i < SHAPES.size(); i++) {
                Files.writeString(hotline.resolve(".form-" + i + ".part"), SHAPES.get(i));
                Files.move(hotline.resolve(".form-" + i + ".part"), hotline.resolve("form-" + i + ".json"));
            }
            Waiting.until("the inbox file and the hotline forms are handled", () -> Files.exists(inbox.resolve("failed/shapes.ndjson.report.json"))
                    && IntStream.range(0, SHAPES.size()).allMatch(i -> Files.exists(hotline.resolve(".failed/form-" + i + ".json.sealed"))
                            && !Files.exists(hotline.resolve("form-" + i + ".json"))));
            answers.add(Files.readString(inbox.resolve("failed/shapes.ndjson.report.json")));

            // The dead letter keeps the line's number, length, keyed hash and rule, never its text.
            TestNode.Response rejections = node.get("/api/v1/rejections?rule=malformed_json&limit=1000");
            answers.add(rejections.body());
            assertThat(rejections.json()).hasSizeGreaterThanOrEqualTo(3 * SHAPES.size()).allSatisfy(r -> {
                assertThat(r.path("lineLength").asInt()).isPositive();
                assertThat(r.path("lineHash").asText()).hasSize(64);
                assertThat(r.path("record").isNull()).isTrue();
            });
            // The same line has the same hash whichever way it came, so an office can tell its lines apart.
            assertThat(Set.copyOf(rejections.json().findValuesAsText("lineHash"))).hasSize(SHAPES.size());
            // ... nothing to replay: such a line is sent again by the office.
            TestNode.Response replay = node.send("POST", "/api/v1/rejections/replay", TestNode.ADMIN_TOKEN, "application/json",
                    "{\"rule\": \"malformed_json\"}", null);
            answers.add(replay.body());
            assertThat(replay.json().path("not_replayable").asInt()).isPositive();

            // A sealed intake file opens with the node's key only, for the operator to fix.
            var keys = SubjectKeys.fromFile(node.data().resolve("secrets/subject-key"), false);
            assertThat(new String(new Quarantine(keys).open(hotline.resolve(".failed/form-2.json.sealed")),
                    StandardCharsets.UTF_8)).isEqualTo(SHAPES.get(2));

            for (String table : tables(node)) {
                for (String column : textColumns(node, table)) {
                    try (var c = node.node().warehouse().connect(); var s = c.createStatement();
                         var rs = s.executeQuery("SELECT count(*) FROM \"" + table + "\" WHERE \"" + column + "\" ILIKE '%CASE-8812%'"
                                 + " OR \"" + column + "\" ILIKE '%" + ESCAPED.replace("\\", "\\") + "%'")) {
                        rs.next();
                        assertThat(rs.getLong(1)).as(table + "." + column).isZero();
                    }
                }
            }
        } finally {
            rootLogger.detachAppender(log);
        }
        assertThat(answers).allSatisfy(answer -> assertThat(answer).doesNotContain("CASE-8812").doesNotContainIgnoringCase(ESCAPED));
        assertThat(log.list).isNotEmpty().allSatisfy(event -> {
            assertThat(event.getFormattedMessage()).doesNotContain("CASE-8812").doesNotContainIgnoringCase(ESCAPED);
            if (event.getThrowableProxy() != null) {
                assertThat(event.getThrowableProxy().getMessage()).doesNotContain("CASE-8812");
            }
        });
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve("data"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anySatisfy(f -> assertThat(f.getFileName().toString()).isEqualTo("tonle.duckdb"))
                .anySatisfy(f -> assertThat(f.toString()).endsWith(".sealed"));
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            assertThat(indexOf(bytes, "CASE-8812".getBytes(StandardCharsets.UTF_8))).as("the code in " + file).isEqualTo(-1);
            assertThat(indexOf(bytes, ESCAPED.getBytes(StandardCharsets.UTF_8))).as("the escaped code in " + file).isEqualTo(-1);
        }
    }

    static List<String> tables(TestNode node) throws SQLException {
        return strings(node, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'");
    }

    static List<String> textColumns(TestNode node, String table) throws SQLException {
        return strings(node, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = '"
                + table + "' AND data_type = 'VARCHAR'");
    }

    static List<String> strings(TestNode node, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var c = node.node().warehouse().connect(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

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
import org.tonle.pipelines.CaseCodes;
import org.tonle.pipelines.Quarantine;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.pipelines.Validate;

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
        ListAppender<ILoggingEvent> log = capturedLog();
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
            rootLogger().detachAppender(log);
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
        ListAppender<ILoggingEvent> log = capturedLog();
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
                    && !Files.exists(inbox.resolve("shapes.ndjson"))
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
            rootLogger().detachAppender(log);
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

    static final String KNOWN = "PNH-C-7342";
    /** The known code glued to its neighbours, in the shapes review r8 found kept in stored text. */
    static final List<String> GLUED = List.of("met xPNH-C-7342 again", "met casePNH-C-7342 again", "met 2015PNH-C-7342th again",
            "\u1787\u17bd\u1794PNH-C-7342\u1798\u17d2\u178f\u1784", "met \uff58\uff30\uff2e\uff28\uff0d\uff23\uff0d\uff17\uff13\uff14\uff12 again",
            "met PNH-C-73\n42 again", "met xpnh-c-7342. again");
    /** What must be found nowhere: the code in any case, its full-width digits, its wrapped halves. */
    static final List<String> KNOWN_TRACES = List.of("C-7342", "c-7342", "\uff17\uff13\uff14\uff12", "C-73\n42", "C-73\\n42");

    /**
     * Review r8: the case code of a known subject, glued to letters, digits or Khmer text, in
     * full-width forms or wrapped, in a highlight (accepted, or rejected into the dead letter);
     * sent as a record's id (over HTTP, and in an import where it stays the id because the row
     * has no office); in the participants column, whose rejection quoted it; as a header of an
     * import whose cell a rejection names. None of it may be answered (the POST's rejections, the
     * import job, the inbox report, the rejections API), logged or stored.
     */
    @Test
    void aKnownCodeGluedOrSentInAnotherFieldLeavesNoTrace(@TempDir Path root) throws Exception {
        ListAppender<ILoggingEvent> log = capturedLog();
        List<String> answers = new ArrayList<>();
        String highlight = "{\"id\": \"%s\", \"program\": \"social\", \"type\": \"highlight\", \"office\": \"PNH\","
                + " \"date\": \"2015-08-20\", \"attributes\": {\"text\": %s, \"kind\": \"%s\"}}";
        try (TestNode node = TestNode.start(root)) {
            TestNode.Response known = node.post("/api/v1/activities", """
                    {"id": "%s", "program": "social", "type": "client_contact", "office": "PNH", "date": "2015-08-03",
                     "subject": {"ref": "%s", "role": "client", "sex": "F", "age": 12}}""".formatted(UUID.randomUUID(), KNOWN));
            assertThat(known.body()).contains("\"accepted\":1");
            StringBuilder ndjson = new StringBuilder();
            for (String text : GLUED) {
                String quoted = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(text);
                ndjson.append(highlight.formatted(UUID.randomUUID(), quoted, "highlight")).append('\n');
                ndjson.append(highlight.formatted(UUID.randomUUID(), quoted, "not_a_kind")).append('\n');
            }
            TestNode.Response highlights = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                    ndjson.toString(), null);
            answers.add(highlights.body());
            assertThat(highlights.json().path("accepted").asInt()).as(highlights.body()).isEqualTo(GLUED.size());
            TestNode.Response asId = node.post("/api/v1/activities", """
                    {"id": "%s", "program": "social", "type": "client_contact", "office": "PNH", "date": "2015-08-03",
                     "subject": {"role": "client", "sex": "F"}}""".formatted(KNOWN));
            answers.add(asId.body());
            assertThat(asId.json().path("rejected")).isNotEmpty().allSatisfy(r -> assertThat(r.path("id").isNull()).isTrue());

            String csv = "id,program,type,office,date,subject_role,subject_sex,participants," + KNOWN + "\n"
                    + KNOWN + ",social,client_contact,,2015-08-04,client,F,,\n"
                    + UUID.randomUUID() + ",awareness,training,PNH,2015-08-05,,," + KNOWN + ",\n"
                    + UUID.randomUUID() + ",social,client_contact,PNH,2015-08-06,client,F,,\uFFFD\n";
            TestNode.Response imported = node.send("POST", "/api/v1/imports", TestNode.ADMIN_TOKEN, "text/csv", csv, null);
            assertThat(imported.status()).as(imported.body()).isEqualTo(201);
            answers.add(imported.body());
            assertThat(imported.json().path("rejected").asInt()).isEqualTo(3);
            assertThat(imported.json().path("rejections")).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.path("id").isNull() || Validate.isUuid(r.path("id").asText())).as(r.toString()).isTrue());
            answers.add(node.get("/api/v1/imports/" + imported.json().path("id").asText()).body());
            answers.add(node.get("/api/v1/imports").body());

            Path inbox = node.data().resolve("inbox/PNH");
            Files.createDirectories(inbox);
            Files.writeString(inbox.resolve(".known.csv.part"), csv);
            Files.move(inbox.resolve(".known.csv.part"), inbox.resolve("known.csv"));
            // The report is written before the route's exchange completes, and the raw file deleted after it.
            Waiting.until("the inbox file is handled", () -> Files.exists(inbox.resolve("failed/known.csv.report.json"))
                    && !Files.exists(inbox.resolve("known.csv")));
            answers.add(Files.readString(inbox.resolve("failed/known.csv.report.json")));
            // A file named after the case it holds: its report, job and log line name it without the code.
            Files.writeString(inbox.resolve(".named.part"), csv);
            Files.move(inbox.resolve(".named.part"), inbox.resolve(KNOWN + " intake.csv"));
            Path namedReport = inbox.resolve("failed/" + CaseCodes.MARK + " intake.csv.report.json");
            Waiting.until("the inbox file named by a code is handled", () -> Files.exists(namedReport)
                    && !Files.exists(inbox.resolve(KNOWN + " intake.csv")));
            answers.add(Files.readString(namedReport));
            answers.add(node.get("/api/v1/imports").body());
            try (Stream<Path> reports = Files.list(inbox.resolve("failed"))) {
                reports.forEach(report -> answers.add(report.getFileName().toString()));
            }

            TestNode.Response rejections = node.get("/api/v1/rejections?limit=1000");
            answers.add(rejections.body());
            assertThat(rejections.json()).hasSizeGreaterThanOrEqualTo(GLUED.size() + 1);
            answers.add(node.get("/api/v1/highlights?period=2015-08").body());

            for (String table : tables(node)) {
                for (String column : textColumns(node, table)) {
                    try (var c = node.node().warehouse().connect(); var s = c.createStatement();
                         var rs = s.executeQuery("SELECT count(*) FROM \"" + table + "\" WHERE \"" + column + "\" ILIKE '%C-7342%'"
                                 + " OR \"" + column + "\" LIKE '%\uff17\uff13\uff14\uff12%' OR \"" + column + "\" LIKE '%C-73' || chr(10) || '42%'")) {
                        rs.next();
                        assertThat(rs.getLong(1)).as(table + "." + column).isZero();
                    }
                }
            }
        } finally {
            rootLogger().detachAppender(log);
        }
        assertThat(answers).allSatisfy(answer -> KNOWN_TRACES.forEach(trace -> assertThat(answer).doesNotContainIgnoringCase(trace)));
        assertThat(log.list).isNotEmpty().allSatisfy(event -> KNOWN_TRACES.forEach(trace -> {
            assertThat(event.getFormattedMessage()).doesNotContainIgnoringCase(trace);
            if (event.getThrowableProxy() != null) {
                assertThat(event.getThrowableProxy().getMessage()).doesNotContainIgnoringCase(trace);
            }
        }));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve("data"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            for (String trace : KNOWN_TRACES) {
                assertThat(indexOf(bytes, trace.getBytes(StandardCharsets.UTF_8))).as(trace + " in " + file).isEqualTo(-1);
            }
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

    /** Every event the node logs from now, at every logger, until detached from {@link #rootLogger()}. */
    static ListAppender<ILoggingEvent> capturedLog() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        rootLogger().addAppender(log);
        return log;
    }

    static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}

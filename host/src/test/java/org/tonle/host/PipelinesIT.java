package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;
import org.slf4j.LoggerFactory;
import org.tonle.core.Json;
import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.PublishResult;
import org.tonle.programme.api.RecordPublisher;
import org.tonle.programme.api.Subject;

/**
 * Every entry point of the pipeline on one real node: CSV and NDJSON import jobs (bad input
 * included), a KoboToolbox export through its mapping, an office inbox, the RecordPublisher
 * service bundles get, the dead-letter store and its replay, corrections and voids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelinesIT {

    static final String STAFF_TOKEN = "pnh-staff-token";
    static final String CSV_HEADER = "id,program,type,office,date,count,subject_ref,subject_role,subject_sex,subject_age,attr.setting,attr.topic,participants";

    TestNode node;
    final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> nodeLog = new ch.qos.logback.core.read.ListAppender<>();

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), "principals:\n"
                + "  - {name: pnh-staff, role: staff, offices: [PNH], token_sha256: " + sha256(STAFF_TOKEN) + "}\n");
        nodeLog.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Node.class)).addAppender(nodeLog);
        node = TestNode.start(root);
    }

    @AfterAll
    void stop() {
        node.close();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Node.class)).detachAppender(nodeLog);
    }

    @Test
    void theNodeBuildsItsIndicatorCubeOnceItServes() throws Exception {
        Waiting.until("the cube is built", () -> nodeMessages().stream().anyMatch(m -> m.startsWith("Indicator cube ready")));
        String ready = nodeMessages().stream().filter(m -> m.startsWith("Indicator cube ready")).findFirst().orElseThrow();
        // Every activity of the four programmes: at least one each.
        assertThat(Integer.parseInt(ready.replaceAll("Indicator cube ready: (\\d+) slices.*", "$1"))).isGreaterThanOrEqualTo(4);
    }

    private List<String> nodeMessages() {
        synchronized (nodeLog) {
            return nodeLog.list.stream().map(e -> e.getFormattedMessage()).toList();
        }
    }

    @Test
    void csvImportKeepsValidRowsAndNamesLineAndFieldOfEveryBadOne() throws Exception {
        String csv = CSV_HEADER + "\n"
                + row(id("csv-1"), "social,client_contact,PNH,2015-08-03,,CSV-C-1,client,F,16,shelter,,") + "\n"
                + row(id("csv-2"), "awareness,training,SHV,2015-08-04,,,,,,,grooming,taxi_driver:M:12;hotel_staff:F:8") + "\n"
                + row(id("csv-3"), "social,client_contact,PNH,2015-08-05,,CSV-C-2,client,Q,16,shelter,,") + "\n"   // line 4: bad sex
                + row(id("csv-4"), "social,client_contact,PNH,2015-08-05") + "\n"                                     // line 5: cut off
                + row(id("csv-5"), "awareness,training,SHV,2015-08-06,,,,,,,grooming,taxi_driver-M-3") + "\n"       // line 6: bad tally
                + row(id("csv-6"), "social,client_contact,PNH,2015-08-07,,CSV-C-3,client,M,17,shelter,,,extra") + "\n" // line 7: extra cell
                + row(id("csv-7"), "social,client_contact,PNH,2015-08-08,,CSV-C-4,client,M,15,shelter,,") + "\n"
                + row(id("csv-8"), "social,client_contact,PNH,2015-08-09,,\"CSV-C-5,client,M,15,shelter,,") + "\n";  // line 9: open quote
        byte[] body = csv.getBytes(StandardCharsets.UTF_8);
        // A Latin-1 byte where UTF-8 was promised, on line 8 ("caf\xe9" in the setting cell).
        String latin = row(id("csv-9"), "social,client_contact,PNH,2015-08-08,,CSV-C-6,client,M,15,caf\u00e9,,");
        byte[] withBadByte = insertLine(body, 8, latin.getBytes(StandardCharsets.ISO_8859_1));

        JsonNode job = importBody("text/csv", withBadByte, null);
        assertThat(job.path("state").asText()).isEqualTo("done");
        assertThat(job.path("accepted").asInt()).as(job.toString()).isEqualTo(3);
        assertThat(rejection(job, 4).path("field").asText()).isEqualTo("subject.sex");
        assertThat(rejection(job, 5).path("rule").asText()).isEqualTo("columns");
        assertThat(rejection(job, 6).path("field").asText()).isEqualTo("participants");
        assertThat(rejection(job, 7).path("reason").asText()).contains("13 columns");
        assertThat(rejection(job, 8).path("rule").asText()).isEqualTo("encoding");
        assertThat(rejection(job, 8).path("field").asText()).isEqualTo("attr.setting");
        assertThat(rejection(job, 10).path("rule").asText()).isEqualTo("csv");
        assertThat(job.toString()).doesNotContain("CSV-C-");

        TestNode.Response again = node.send("GET", "/api/v1/imports/" + job.path("id").asText(), TestNode.ADMIN_TOKEN, null, null, null);
        assertThat(again.json().path("accepted").asInt()).isEqualTo(3);

        // The same file twice: nothing is counted twice.
        JsonNode second = importBody("text/csv", withBadByte, null);
        assertThat(second.path("accepted").asInt()).isZero();
        assertThat(second.path("duplicates").asInt()).isEqualTo(3);

        JsonNode participants = node.get("/api/v1/indicators/awareness.participants/values?period=2015-08&office=SHV&by=group").json();
        assertThat(value(participants.path("rows"), "group", "taxi_driver")).isEqualTo(12);
        assertThat(value(participants.path("rows"), "group", "hotel_staff")).isEqualTo(8);
    }

    @Test
    void cliImportStreamsAFileAndReportsLinesAndTotals(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.csv");
        Files.writeString(file, CSV_HEADER + "\n"
                + row(id("cli-1"), "social,client_contact,SRP,2015-08-03,,CLI-1,client,F,16,shelter,,") + "\n"
                + row(id("cli-2"), "social,client_contact,SRP,2015-08-03,,CLI-2,client,F,16,garden,,") + "\n");
        ProcessBuilder cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                TestNode.repository().resolve("host/target/tonle-host.jar").toString(), "import", file.toString(), "--url", node.url(), "--quiet")
                .redirectErrorStream(true);
        cli.environment().put("TONLE_TOKEN", TestNode.ADMIN_TOKEN);
        Process process = cli.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isEqualTo(3);
        assertThat(output).contains("line 3 (id " + id("cli-2") + "): attributes.setting [enum]")
                .contains("2 records: 1 accepted, 0 duplicates, 1 rejected");
    }

    @Test
    void ndjsonImportRejectsCutOffAndForeignLinesOnTheirOwn() {
        String ndjson = record(id("nd-1"), "PNH", "ND-1", "2015-08-10") + "\n\n"
                + "[1,2]\n"
                + record(id("nd-2"), "PNH", "ND-2", "2015-08-11") + "\n"
                + record(id("nd-3"), "PNH", "ND-3", "2015-08-12").substring(0, 60);
        JsonNode job = importBody("application/x-ndjson", ndjson.getBytes(StandardCharsets.UTF_8), null);
        assertThat(job.path("accepted").asInt()).isEqualTo(2);
        assertThat(rejection(job, 3).path("rule").asText()).isEqualTo("malformed_json");
        assertThat(rejection(job, 5).path("reason").asText()).contains("line 5").contains("cut off");
        assertThat(job.toString()).doesNotContain("ND-3");
    }

    @Test
    void koboExportGoesThroughItsMapping() {
        String kobo = "start;end;intake/intake_date;intake/office;intake/channel;person/case_code;person/person_role;person/person_sex;person/person_age;_id;_uuid;_submission_time\n"
                + "2015-08-01T09:00;2015-08-01T09:10;2015-08-01;siem_reap;hotline_call;SRP-K-1;victim;female;14;1;" + id("kobo-1") + ";2015-08-01T09:11\n"
                + "2015-08-02T09:00;2015-08-02T09:10;2015-08-02;siem_reap;e_mail;;reporter;unknown;;2;" + id("kobo-2") + ";2015-08-02T09:11\n"
                + "2015-08-03T09:00;2015-08-03T09:10;2015-08-03;siem_reap;carrier_pigeon;SRP-K-3;victim;male;9;3;" + id("kobo-3") + ";2015-08-03T09:11\n";
        JsonNode job = importBody("text/csv", kobo.getBytes(StandardCharsets.UTF_8), "kobo-case-intake");
        assertThat(job.path("accepted").asInt()).as(job.toString()).isEqualTo(2);
        assertThat(rejection(job, 4).path("field").asText()).isEqualTo("attributes.channel");

        TestNode.Response unknown = node.send("POST", "/api/v1/imports?mapping=nope", TestNode.ADMIN_TOKEN, "text/csv", "a\n1\n", null);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("detail").asText()).contains("no mapping 'nope'");
    }

    @Test
    void inboxFileIsImportedReportedAndDeleted() throws Exception {
        Path inbox = node.data().resolve("inbox/SRP");
        String good = CSV_HEADER + "\n" + row(id("inbox-1"), "social,client_contact,,2015-08-03,,IN-1,client,F,16,shelter,,") + "\n";
        String bad = CSV_HEADER + "\n" + row(id("inbox-2"), "social,client_contact,PNH,2015-08-03,,IN-2,client,F,16,shelter,,") + "\n";
        Files.writeString(inbox.resolve("good.csv.tmp"), good);
        Files.move(inbox.resolve("good.csv.tmp"), inbox.resolve("good.csv"));
        Files.writeString(inbox.resolve("bad.csv.tmp"), bad);
        Files.move(inbox.resolve("bad.csv.tmp"), inbox.resolve("bad.csv"));

        JsonNode goodReport = awaitJson(inbox.resolve("done/good.csv.report.json"));
        JsonNode badReport = awaitJson(inbox.resolve("failed/bad.csv.report.json"));
        assertThat(goodReport.path("accepted").asInt()).isEqualTo(1);
        assertThat(badReport.path("rejections").get(0).path("rule").asText()).isEqualTo("office_not_permitted");
        Waiting.until("the inbox files are handled", () -> !Files.exists(inbox.resolve("good.csv")) && !Files.exists(inbox.resolve("bad.csv")));
        // The raw file held case codes: only the report stays on the node's disk.
        assertThat(inbox.resolve("done/good.csv")).doesNotExist();
        assertThat(inbox.resolve("failed/bad.csv")).doesNotExist();
        assertThat(Files.readString(inbox.resolve("failed/bad.csv.report.json"))).doesNotContain("IN-2");
    }

    @Test
    void recordsPublishedByABundleServiceAreValidatedAndStoredLikeAnyOther() throws Exception {
        var context = node.node().osgi().context();
        ServiceReference<RecordPublisher> reference = context.getServiceReference(RecordPublisher.class);
        RecordPublisher publisher = context.getService(reference);
        try {
            ActivityRecord good = new ActivityRecord(id("bundle-1"), "investigation", "case_intake", "PNH", LocalDate.of(2015, 8, 20),
                    new Subject("BUNDLE-REF-1", "victim", "F", 12), 1, Map.of("channel", "web"), List.of());
            ActivityRecord bad = new ActivityRecord(id("bundle-2"), "investigation", "case_intake", "PNH", LocalDate.of(2015, 8, 20),
                    new Subject("BUNDLE-REF-2", "victim", "F", 12), 1, Map.of(), List.of());
            PublishResult result = publisher.publish(List.of(good, bad), "hotline");
            assertThat(result.accepted()).isEqualTo(1);
            assertThat(result.rejected()).singleElement().satisfies(r -> {
                assertThat(r.line()).isEqualTo(2);
                assertThat(r.field()).isEqualTo("attributes.channel");
            });
            assertThat(publisher.publish(List.of(good), "hotline").duplicates()).isEqualTo(1);
        } finally {
            context.ungetService(reference);
        }
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT source, body FROM record_version WHERE record_id = '" + id("bundle-1") + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("bundle:hotline");
            assertThat(rs.getString(2)).doesNotContain("BUNDLE-REF").contains("\"key\"");
        }
        assertThat(deadLetterBodies()).noneMatch(b -> b.contains("BUNDLE-REF"));
    }

    @Test
    void rejectionsAreListedByOfficeAndReplayedAfterAFix() {
        String bad = record(id("replay-1"), "PNH", "REPLAY-REF", "2015-08-15").replace("\"shelter\"", "\"garden\"");
        String other = record(id("replay-2"), "SRP", "OTHER-REF", "2015-08-15").replace("\"shelter\"", "\"garden\"");
        JsonNode posted = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", bad + "\n" + other, null).json();
        assertThat(posted.path("rejected")).hasSize(2);

        JsonNode staffView = node.send("GET", "/api/v1/rejections?rule=enum", STAFF_TOKEN, null, null, null).json();
        assertThat(staffView.findValuesAsText("office")).containsOnly("PNH");
        JsonNode mine = find(staffView, id("replay-1"));
        assertThat(mine.path("field").asText()).isEqualTo("attributes.setting");
        assertThat(mine.path("record").path("subject").path("key").asText()).hasSize(36);
        assertThat(staffView.toString()).doesNotContain("REPLAY-REF");
        assertThat(node.send("GET", "/api/v1/rejections?office=SRP", STAFF_TOKEN, null, null, null).status()).isEqualTo(403);

        // Replay unchanged: rejected again, the old rejection superseded by the new one.
        long firstId = mine.path("id").asLong();
        JsonNode replayed = node.send("POST", "/api/v1/rejections/replay", STAFF_TOKEN, "application/json",
                "{\"ids\": [" + firstId + "]}", null).json();
        assertThat(replayed.path("rejected")).as(replayed.toString()).hasSize(1);
        long newId = find(node.send("GET", "/api/v1/rejections?rule=enum", STAFF_TOKEN, null, null, null).json(), id("replay-1")).path("id").asLong();
        assertThat(newId).isNotEqualTo(firstId);

        // Replay with the record fixed: stored, with the subject key of the original ref.
        JsonNode fixed = node.send("POST", "/api/v1/rejections/replay", STAFF_TOKEN, "application/json",
                "{\"ids\": [" + newId + "], \"fix\": {\"" + newId + "\": {\"attributes\": {\"setting\": \"shelter\"}}}}", null).json();
        assertThat(fixed.path("accepted").asInt()).as(fixed.toString()).isEqualTo(1);
        JsonNode direct = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json",
                record(id("replay-1"), "PNH", "REPLAY-REF", "2015-08-15"), null).json();
        assertThat(direct.path("duplicates").asInt()).as("same key as a fresh pseudonymisation").isEqualTo(1);
        assertThat(node.send("GET", "/api/v1/rejections?status=replayed", STAFF_TOKEN, null, null, null).json().findValuesAsText("recordId"))
                .contains(id("replay-1"));
    }

    /**
     * A replay is trusted (its records carry keys), so a fix must not choose a key: otherwise
     * anyone who may replay could file a record under another child's key, copied from a
     * rejection listing. A fix may give a ref, which is pseudonymised as on every other path.
     */
    @Test
    void aReplayFixCannotFileARecordUnderAnotherPersonsKey() throws Exception {
        String bad = record(id("rekey-1"), "PNH", "REKEY-REF", "2015-08-16").replace("\"shelter\"", "\"garden\"");
        String victim = record(id("rekey-2"), "PNH", "VICTIM-REF", "2015-08-16").replace("\"shelter\"", "\"garden\"");
        node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", bad + "\n" + victim, null);
        JsonNode listed = node.send("GET", "/api/v1/rejections?rule=enum", STAFF_TOKEN, null, null, null).json();
        long rejection = find(listed, id("rekey-1")).path("id").asLong();
        String victimKey = find(listed, id("rekey-2")).path("record").path("subject").path("key").asText();
        assertThat(victimKey).hasSize(36);

        for (String fix : List.of("{\"subject\": {\"key\": \"" + victimKey + "\"}, \"attributes\": {\"setting\": \"shelter\"}}",
                "{\"subject\": {\"key\": null}}", "{\"subject\": null}", "{\"subject\": \"" + victimKey + "\"}", "\"not a patch\"")) {
            TestNode.Response refused = node.send("POST", "/api/v1/rejections/replay", STAFF_TOKEN, "application/json",
                    "{\"ids\": [" + rejection + "], \"fix\": {\"" + rejection + "\": " + fix + "}}", null);
            assertThat(refused.status()).as(fix + " -> " + refused.body()).isEqualTo(400);
            assertThat(refused.json().path("detail").asText()).containsAnyOf("subject.key", "subject", "object");
        }
        assertThat(find(node.send("GET", "/api/v1/rejections?rule=enum", STAFF_TOKEN, null, null, null).json(), id("rekey-1"))
                .path("status").asText()).as("nothing was replayed").isEqualTo("open");

        // A fix that gives a ref: pseudonymised, so the record is filed under that ref's key.
        JsonNode fixed = node.send("POST", "/api/v1/rejections/replay", STAFF_TOKEN, "application/json", "{\"ids\": [" + rejection
                + "], \"fix\": {\"" + rejection + "\": {\"subject\": {\"ref\": \"REKEY-FIXED\"}, \"attributes\": {\"setting\": \"shelter\"}}}}",
                null).json();
        assertThat(fixed.path("accepted").asInt()).as(fixed.toString()).isEqualTo(1);
        JsonNode direct = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json",
                record(id("rekey-1"), "PNH", "REKEY-FIXED", "2015-08-16"), null).json();
        assertThat(direct.path("duplicates").asInt()).as(direct.toString()).isEqualTo(1);
        assertThat(deadLetterBodies()).noneMatch(b -> b.contains("REKEY-FIXED") || b.contains("VICTIM-REF"));
    }

    @Test
    void operatorsSeeHowBusyTheWriterIsAtMetrics() {
        Map<String, Double> before = ingestMetrics();
        String records = record(id("metrics-1"), "PNH", "MET-1", "2014-04-01") + "\n" + record(id("metrics-2"), "PNH", "MET-2", "2014-04-02");
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", records, null).json()
                .path("accepted").asInt()).isEqualTo(2);
        Map<String, Double> after = ingestMetrics();
        assertThat(after.get("tonle_ingest_submissions_total")).isGreaterThanOrEqualTo(before.get("tonle_ingest_submissions_total") + 1);
        assertThat(after.get("tonle_ingest_commits_total")).isGreaterThanOrEqualTo(before.get("tonle_ingest_commits_total") + 1);
        assertThat(after.get("tonle_ingest_writer_busy_seconds_total")).isGreaterThan(before.get("tonle_ingest_writer_busy_seconds_total"));
    }

    @Test
    void metricsCarryTheHeapAgainstItsMaximum() {
        String metrics = node.send("GET", "/metrics", TestNode.ADMIN_TOKEN, null, null, "text/plain").body();
        double used = metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\"")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(used).as(metrics).isGreaterThan(1e6);
        assertThat(metrics).contains("jvm_memory_max_bytes{area=\"heap\"", "jvm_threads_live_threads", "process_cpu_usage");
        // The cube's applier: nothing queued once idle, nothing failed, no query fell back to SQL.
        assertThat(metrics.lines().filter(l -> l.startsWith("tonle_indicators_cube_")).toList())
                .contains("tonle_indicators_cube_failures_total 0.0", "tonle_indicators_cube_fallbacks_total 0.0")
                .anyMatch(l -> l.startsWith("tonle_indicators_cube_lag "));
    }

    private Map<String, Double> ingestMetrics() {
        TestNode.Response answer = node.send("GET", "/metrics", TestNode.ADMIN_TOKEN, null, null, "text/plain");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        Map<String, Double> values = new HashMap<>();
        answer.body().lines().filter(l -> l.startsWith("tonle_ingest_")).map(l -> l.split(" "))
                .forEach(parts -> values.put(parts[0], Double.parseDouble(parts[1])));
        assertThat(values).containsKeys("tonle_ingest_submissions_total", "tonle_ingest_commits_total", "tonle_ingest_writer_busy_seconds_total");
        return values;
    }

    @Test
    void correctionsAndVoidsChangeFiguresAtOnceAndLeaveAPseudonymousAuditTrail() throws Exception {
        String original = record(id("fix-1"), "SHV", "FIX-REF", "2014-03-03");
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", original, null).json().path("accepted").asInt()).isEqualTo(1);
        assertThat(clientsMet("2014-03", "SHV")).isEqualTo(1);

        String moved = original.replace("\"SHV\"", "\"SRP\"");
        TestNode.Response corrected = node.send("PUT", "/api/v1/activities/" + id("fix-1"), TestNode.ADMIN_TOKEN, "application/json", moved, null);
        assertThat(corrected.json().path("accepted").asInt()).as(corrected.body()).isEqualTo(1);
        assertThat(clientsMet("2014-03", "SHV")).isZero();
        assertThat(clientsMet("2014-03", "SRP")).isEqualTo(1);
        // A retry of the original is a duplicate of a stored version and does not undo the correction.
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", original, null).json().path("duplicates").asInt()).isEqualTo(1);
        assertThat(clientsMet("2014-03", "SRP")).isEqualTo(1);

        // Staff of another office may neither move it nor void it.
        assertThat(node.send("PUT", "/api/v1/activities/" + id("fix-1"), STAFF_TOKEN, "application/json", moved.replace("\"SRP\"", "\"PNH\""), null)
                .status()).isEqualTo(403);
        assertThat(node.send("DELETE", "/api/v1/activities/" + id("fix-1"), STAFF_TOKEN, null, null, null).status()).isEqualTo(403);
        assertThat(node.send("DELETE", "/api/v1/activities/" + id("fix-1"), TestNode.ADMIN_TOKEN, null, null, null).status()).isEqualTo(204);
        assertThat(clientsMet("2014-03", "SRP")).isZero();
        assertThat(node.send("DELETE", "/api/v1/activities/" + id("fix-1"), TestNode.ADMIN_TOKEN, null, null, null).status()).isEqualTo(404);

        List<String[]> trail = new ArrayList<>();
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT action, principal, occurred_at, parameters FROM audit_log WHERE parameters LIKE '%" + id("fix-1") + "%' ORDER BY id")) {
            while (rs.next()) {
                assertThat(rs.getObject(3)).isNotNull();
                trail.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(4)});
            }
        }
        assertThat(trail).extracting(t -> t[0]).containsSubsequence("correct", "void");
        String correction = trail.stream().filter(t -> t[0].equals("correct")).findFirst().orElseThrow()[2];
        JsonNode parameters = new ObjectMapper().readTree(correction);
        assertThat(parameters.path("before").path("office").asText()).isEqualTo("SHV");
        assertThat(parameters.path("after").path("office").asText()).isEqualTo("SRP");
        assertThat(parameters.path("after").path("subject").path("key").asText()).hasSize(36);
        assertThat(trail).allSatisfy(t -> assertThat(t[2]).doesNotContain("FIX-REF"));
    }

    // --- helpers

    long clientsMet(String period, String office) {
        JsonNode rows = node.get("/api/v1/indicators/social.clients_met/values?period=" + period + "&office=" + office).json().path("rows");
        return rows.get(0).path("value").asLong();
    }

    JsonNode importBody(String type, byte[] body, String mapping) {
        // Bytes as they are, so that a test can send what is not UTF-8.
        var request = HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/imports"
                        + (mapping == null ? "" : "?mapping=" + mapping)))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            var answer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
            return new ObjectMapper().readTree(answer.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode rejection(JsonNode job, int line) {
        for (JsonNode r : job.path("rejections")) {
            if (r.path("line").asInt() == line) {
                return r;
            }
        }
        throw new AssertionError("no rejection on line " + line + " in " + job);
    }

    static JsonNode find(JsonNode rejections, String recordId) {
        for (JsonNode r : rejections) {
            if (recordId.equals(r.path("recordId").asText())) {
                return r;
            }
        }
        throw new AssertionError("no rejection of " + recordId + " in " + rejections);
    }

    static long value(JsonNode rows, String key, String wanted) {
        for (JsonNode row : rows) {
            if (wanted.equals(row.path(key).asText())) {
                return row.path("value").asLong();
            }
        }
        throw new AssertionError(wanted + " missing in " + rows);
    }

    List<String> deadLetterBodies() throws Exception {
        List<String> bodies = new ArrayList<>();
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(body, '') FROM dead_letter")) {
            while (rs.next()) {
                bodies.add(rs.getString(1));
            }
        }
        return bodies;
    }

    static String record(String id, String office, String ref, String date) {
        return "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"" + office + "\",\"date\":\"" + date
                + "\",\"subject\":{\"ref\":\"" + ref + "\",\"role\":\"client\",\"sex\":\"F\",\"age\":15},\"attributes\":{\"setting\":\"shelter\"}}";
    }

    static String row(String id, String rest) {
        return id + "," + rest;
    }

    static String id(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static byte[] insertLine(byte[] body, int lineNumber, byte[] line) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>(List.of(text.split("\n")));
        lines.add(lineNumber - 1, new String(line, StandardCharsets.ISO_8859_1));
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    static JsonNode awaitJson(Path file) throws Exception {
        Waiting.until(file + " is written", () -> Files.exists(file));
        return Json.MAPPER.readTree(file.toFile());
    }


    static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }
}

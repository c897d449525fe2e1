package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;
import org.tonle.pipelines.SubjectKeys;

/**
 * Offices feed headquarters through a real Kafka broker (docs/SCALING.md): two office nodes and
 * a headquarters node, each with its own copy of config/ and the organisation's shared key;
 * the broker goes away and comes back; headquarters is killed (SIGKILL, as a child process)
 * while it consumes; an office is killed with records only in its outbox. Every time, headquarters' figures equal the offices' own, exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransportIT {

    private static final List<String> CODES = List.of("legal.counselled_victims_family", "legal.counselled_witnesses",
            "legal.court_represented", "social.clients_met", "social.medical_exams", "investigation.stakeholder_meetings",
            "investigation.cases_received", "awareness.trainings", "awareness.participants");

    private static final ObjectMapper JSON = Json.MAPPER;

    Path root;
    KafkaBroker broker;
    Path key;

    @BeforeAll
    void startBroker(@TempDir Path dir) {
        root = dir;
        broker = KafkaBroker.start(root.resolve("kafka"));
        key = root.resolve("organisation-key");
        SubjectKeys.fromFile(key, true);
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }

    @Test
    void officesFeedHeadquartersWithoutLossOrDoubleThroughABrokerOutage() throws Exception {
        broker.createTopic("tonle.outage.PNH", 3);
        broker.createTopic("tonle.outage.SHV", 3);
        try (TestNode hq = node("hq", null, "headquarters", "tonle.outage", "hq-outage", 1000, 1_000_000);
             TestNode pnh = node("pnh", "PNH", "office", "tonle.outage", "unused", 1000, 1_000_000);
             TestNode shv = node("shv", "SHV", "office", "tonle.outage", "unused", 1000, 1_000_000)) {
            List<String> demo = Files.readAllLines(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
            String pnhDemo = demo.stream().filter(l -> l.contains("\"office\":\"PNH\"")).collect(Collectors.joining("\n"));
            String shvDemo = demo.stream().filter(l -> l.contains("\"office\":\"SHV\"")).collect(Collectors.joining("\n"));
            assertThat(postNdjson(pnh, pnhDemo).path("accepted").asInt()).isEqualTo(537);
            assertThat(postNdjson(shv, shvDemo).path("accepted").asInt()).isEqualTo(426);
            awaitSameFigures(hq, pnh, shv, "2015-08");
            assertSameFigures(hq, pnh, shv, "2015");
            aCodeOfAnOfficesSubjectIsRedactedAtHeadquarters(hq, pnhDemo);

            // Headquarters' line goes down: the offices keep accepting and keep what they accept.
            broker.stop();
            String pnhCases = cases("PNH", 200, "hotline");
            String shvCases = cases("SHV", 200, "staff");
            assertThat(postNdjson(pnh, pnhCases).path("accepted").asInt()).isEqualTo(200);
            assertThat(postNdjson(shv, shvCases).path("accepted").asInt()).isEqualTo(200);
            String first = pnhCases.lines().findFirst().orElseThrow();
            String id = JSON.readTree(first).path("id").asText();
            TestNode.Response corrected = pnh.send("PUT", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, "application/json",
                    first.replace("\"hotline\"", "\"email\""), "application/json");
            assertThat(corrected.json().path("accepted").asInt()).as(corrected.body()).isEqualTo(1);
            String second = pnhCases.lines().skip(1).findFirst().orElseThrow();
            assertThat(pnh.send("DELETE", "/api/v1/activities/" + JSON.readTree(second).path("id").asText(),
                    TestNode.ADMIN_TOKEN, null, null, null).status()).isEqualTo(204);
            Waiting.until("the office notices that Kafka is unreachable: " + pnh.get("/api/v1/status").body(), Duration.ofSeconds(30),
                    () -> !pnh.get("/api/v1/status").json().path("transport").path("forwarding").path("kafka_reachable").asBoolean());
            JsonNode waiting = pnh.get("/api/v1/status").json().path("transport");
            assertThat(waiting.path("outbox").path("depth").asLong()).isGreaterThanOrEqualTo(202);
            assertThat(waiting.path("outbox").path("state").asText()).isEqualTo("ok");
            // The forwarder kept up (its queue in memory holds the 202), so it never read the table.
            assertThat(metrics(pnh).body()).contains("tonle_outbox_depth 202.0", "tonle_outbox_kafka_reachable 0.0", "tonle_outbox_table_reads_total 0.0");

            broker.restart();
            awaitSameFigures(hq, pnh, shv, "2016");
            assertSameFigures(hq, pnh, shv, "2015-08");
            assertThat(value(hq, "investigation.cases_received", "2016", "&office=PNH")).isEqualTo(199);
            assertThat(value(hq, "investigation.cases_received", "2016", "&office=SHV")).isEqualTo(200);

            // Sent again at the office: duplicates there, so nothing new travels and nothing changes.
            assertThat(postNdjson(pnh, pnhCases).path("duplicates").asInt()).isEqualTo(200);
            Waiting.until("headquarters has consumed everything", Duration.ofSeconds(30), () -> lag(hq) == 0
                    && pnh.get("/api/v1/status").json().path("transport").path("outbox").path("depth").asLong() == 0
                    && shv.get("/api/v1/status").json().path("transport").path("outbox").path("depth").asLong() == 0);
            assertSameFigures(hq, pnh, shv, "2016");
            assertThat(value(hq, "investigation.cases_received", "2016", "")).isEqualTo(399);

            JsonNode offices = hq.get("/api/v1/status").json().path("transport").path("offices");
            // PNH: 537 demo records, 200 cases, a correction and a void; SHV: 426 and 200.
            assertThat(offices.path("PNH").path("loaded").asLong()).isEqualTo(739);
            assertThat(offices.path("SHV").path("loaded").asLong()).isEqualTo(626);
            assertThat(offices.path("PNH").path("rejected").asLong()).isZero();
            assertThat(offices.path("PNH").path("last_forward_at").asText()).isNotBlank();
            String metrics = metrics(hq).body();
            assertThat(metrics).contains("tonle_transport_consumer_lag 0.0", "tonle_transport_last_forward_timestamp_seconds{office=\"SHV\"}",
                    "tonle_transport_loaded_total{office=\"PNH\"} 739.0");
            assertThat(hq.send("GET", "/metrics", null, null, null, "text/plain").status()).isEqualTo(401);
        }
    }

    @Test
    void headquartersKilledWhileConsumingEndsWithExactFigures() throws Exception {
        broker.createTopic("tonle.kill.SRP", 3);
        int backlog = 4_000;
        int later = 2_000;
        int records = backlog + later;
        Path config = config("hq-child", "headquarters", "tonle.kill", "hq-kill", 400, 1_000_000);
        Path data = root.resolve("hq-child/data");
        long atKill;
        long t1;
        try (TestNode srp = node("srp", "SRP", "office", "tonle.kill", "unused", 1000, 1_000_000)) {
            long t0 = System.nanoTime();
            assertThat(postNdjson(srp, meetings("SRP", backlog)).path("accepted").asInt()).isEqualTo(backlog);
            System.out.printf("kill test: %d records accepted by the office in %d ms%n", backlog, (System.nanoTime() - t0) / 1_000_000);
            awaitForwarded(srp);
            t1 = System.nanoTime();
            try (ChildNode hq = ChildNode.start(config, data, root.resolve("hq-child/node.log"))) {
                System.out.printf("kill test: headquarters process serves after %d ms%n", (System.nanoTime() - t1) / 1_000_000);
                Waiting.until("headquarters is loading", Duration.ofSeconds(60), () -> loaded(hq.status(), "SRP") > 0);
                hq.kill();
                atKill = hq.lastLoaded;
                System.out.printf("kill test: killed with %d records loaded, %d ms after start%n", atKill, (System.nanoTime() - t1) / 1_000_000);
            }
            // More records while headquarters is down: however fast it was, it was killed before the last of them.
            assertThat(postNdjson(srp, meetings("SRP", later)).path("accepted").asInt()).isEqualTo(later);
            awaitForwarded(srp);
        }
        assertThat(atKill).as("killed while consuming").isLessThan(records);
        try (ChildNode hq = ChildNode.start(config, data, root.resolve("hq-child/node-2.log"))) {
            Waiting.until("headquarters has caught up after the restart", Duration.ofSeconds(90), () -> {
                JsonNode transport = hq.status().path("transport");
                return transport.path("consumer").path("lag").asLong(-1) == 0 && hq.value("investigation.stakeholder_meetings", "2017") == records;
            });
            assertThat(hq.value("investigation.stakeholder_meetings", "2017")).isEqualTo(records);
            System.out.printf("kill test: caught up %d ms after the first start%n", (System.nanoTime() - t1) / 1_000_000);
            hq.stop();
        }
        // Nothing doubled, not even in the version history: one version per record.
        Properties readOnly = new Properties();
        readOnly.setProperty("duckdb.read_only", "true");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + data.resolve("tonle.duckdb"), readOnly);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT record_id) FROM record_version")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(records);
            assertThat(rs.getLong(2)).isEqualTo(records);
        }
    }

    @Test
    void aFullOutboxWarnsFirstThenRefusesWithoutLosingWhatItHolds() {
        // No broker at this address: the office keeps everything.
        try (TestNode office = node("full", "PNH", "office", "tonle.full", "unused", 1000, 100, "127.0.0.1:" + KafkaBroker.freePort())) {
            assertThat(postNdjson(office, cases("PNH", 85, "email")).path("accepted").asInt()).isEqualTo(85);
            JsonNode outbox = office.get("/api/v1/status").json().path("transport").path("outbox");
            assertThat(outbox.path("depth").asLong()).isEqualTo(85);
            assertThat(outbox.path("state").asText()).isEqualTo("warning");

            TestNode.Response refused = office.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                    cases("PNH", 20, "email"), "application/json");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.json().path("detail").asText()).contains("outbox is full", "85 of 100");
            assertThat(value(office, "investigation.cases_received", "2016", "")).isEqualTo(85);
            assertThat(postNdjson(office, cases("PNH", 15, "email")).path("accepted").asInt()).isEqualTo(15);
        }
    }

    @Test
    void anOfficeKilledBeforeForwardingSendsWhatItAcknowledgedAfterItsRestartOnce() throws Exception {
        broker.createTopic("tonle.crash.SRP", 3);
        Path config = config("srp-child", "office", "tonle.crash", "unused", 1000, 1_000_000);
        Path data = root.resolve("srp-child/data");
        try (TestNode hq = node("hq-crash", null, "headquarters", "tonle.crash", "hq-crash", 1000, 1_000_000)) {
            try (ChildNode office = ChildNode.start(config, data, root.resolve("srp-child/node.log"), "--office", "SRP")) {
                assertThat(office.post(meetings("SRP", 1_000)).path("accepted").asInt()).isEqualTo(1_000);
                Waiting.until("the office has forwarded the first records", Duration.ofSeconds(60), () -> office.depth() == 0);
                // Kafka goes away: what the office acknowledges now is only in its outbox when it is killed (SIGKILL).
                // The first thousand may still be in the outbox's table too (trimmed in runs): sent again after
                // the restart, headquarters recognises them as duplicates.
                broker.stop();
                assertThat(office.post(meetings("SRP", 2_000)).path("accepted").asInt()).isEqualTo(2_000);
                assertThat(office.depth()).isEqualTo(2_000);
                office.kill();
            }
            broker.restart();
            // A file waiting in the office's inbox is imported as soon as the node's routes start, before its
            // transport does: its records must join the outbox all the same.
            Files.createDirectories(data.resolve("inbox/SRP"));
            Files.writeString(data.resolve("inbox/SRP/waiting.ndjson"), meetings("SRP", 500));
            try (ChildNode office = ChildNode.start(config, data, root.resolve("srp-child/node-2.log"), "--office", "SRP")) {
                Waiting.until("headquarters holds every record the office acknowledged", Duration.ofSeconds(90),
                        () -> office.depth() == 0 && value(hq, "investigation.stakeholder_meetings", "2017", "&office=SRP") == 3_500
                                && lag(hq) == 0);
                office.stop();
            }
            assertThat(value(hq, "investigation.stakeholder_meetings", "2017", "&office=SRP")).isEqualTo(3_500);
            JsonNode srp = hq.get("/api/v1/status").json().path("transport").path("offices").path("SRP");
            assertThat(srp.path("loaded").asLong()).isEqualTo(3_500);
            assertThat(srp.path("rejected").asLong()).isZero();
            try (Connection c = hq.node().warehouse().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT record_id) FROM record_version")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(3_500);
                assertThat(rs.getLong(2)).isEqualTo(3_500);
            }
        }
    }

    @Test
    void aMessageOfManyChangesLoadsItsGoodOnesOnceAndNamesItsBadOnes() throws Exception {
        broker.createTopic("tonle.batched.PNH", 1);
        try (TestNode hq = node("hq-batched", null, "headquarters", "tonle.batched", "hq-batched", 1000, 1_000_000);
             KafkaProducer<String, String> producer = plainProducer()) {
            List<String> good = cases("PNH", 5, "hotline").lines().toList();
            String invalidId = UUID.randomUUID().toString();
            String invalid = good.get(0).replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"" + invalidId + "\"")
                    .replaceFirst("\"date\":\"[^\"]+\"", "\"date\":\"2016-02-30\"");
            // One message of five changes, as an office writes them (one a line): two good creates, a line that is
            // not JSON, a record that fails validation, a good create.
            String batch = String.join("\n", change(good.get(0)), change(good.get(1)), "{\"origin\":\"PNH\",\"action\":",
                    change(invalid), change(good.get(2)));
            send(producer, "tonle.batched.PNH", batch);
            // An office before batched messages sent one change a message: still loaded.
            send(producer, "tonle.batched.PNH", change(good.get(3)));
            Waiting.until("headquarters loaded the good changes", Duration.ofSeconds(60),
                    () -> value(hq, "investigation.cases_received", "2016", "&office=PNH") == 4 && lag(hq) == 0);

            // The whole message again (a batch re-sent after a lost acknowledgement), and its first two changes
            // alone (a partial batch): duplicates, nothing counted twice.
            send(producer, "tonle.batched.PNH", batch);
            send(producer, "tonle.batched.PNH", String.join("\n", change(good.get(0)), change(good.get(1))));
            Waiting.until("headquarters consumed the repeats", Duration.ofSeconds(60), () -> lag(hq) == 0
                    && hq.get("/api/v1/status").json().path("transport").path("offices").path("PNH").path("duplicates").asLong() >= 5);
            assertThat(value(hq, "investigation.cases_received", "2016", "&office=PNH")).isEqualTo(4);
            JsonNode pnh = hq.get("/api/v1/status").json().path("transport").path("offices").path("PNH");
            assertThat(pnh.path("loaded").asLong()).as(pnh.toString()).isEqualTo(4);
            try (Connection c = hq.node().warehouse().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT record_id) FROM record_version")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4);
                assertThat(rs.getLong(2)).isEqualTo(4);
            }
            // The bad ones are in the dead-letter store, each saying where it was and what is wrong.
            String letters = hq.get("/api/v1/rejections").body();
            assertThat(letters).contains("topic tonle.batched.PNH, partition 0, offset 0, change 3 of 5: the message is not JSON");
            JsonNode rejected = StreamSupport.stream(hq.get("/api/v1/rejections").json().spliterator(), false)
                    .filter(r -> r.toString().contains(invalidId)).findFirst().orElseThrow(() -> new AssertionError(letters));
            assertThat(rejected.path("field").asText()).as(rejected.toString()).isEqualTo("date");
            assertThat(rejected.path("rule").asText()).as(rejected.toString()).isNotBlank();

            // A message of a good change and a thousand lines that are none (a broken or hostile office): the good
            // one loads; the first 20 bad lines are kept one dead letter each, the other 980 are counted in one more.
            long lettersBefore = hq.get("/api/v1/rejections").json().size();
            String garbage = change(good.get(4)) + "\nx".repeat(1000);
            send(producer, "tonle.batched.PNH", garbage);
            Waiting.until("headquarters loaded the good change of the broken message", Duration.ofSeconds(60),
                    () -> value(hq, "investigation.cases_received", "2016", "&office=PNH") == 5 && lag(hq) == 0);
            JsonNode after = hq.get("/api/v1/rejections").json();
            assertThat(after.size() - lettersBefore).as(after.toString()).isEqualTo(21);
            assertThat(after.toString()).contains("980 more of its 1001 lines are not forwarded changes either (not kept)");

            // None of these changes had a subject. One that has, from an office that does not say its refs'
            // lengths (one older than them): headquarters no longer knows every length, so it searches all.
            assertThat(refLengths(hq)).isEqualTo("complete []");
            String withSubject = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"social\",\"type\":\"client_contact\","
                    + "\"office\":\"PNH\",\"date\":\"2016-03-02\",\"subject\":{\"key\":\"" + UUID.randomUUID() + "\",\"role\":\"victim\","
                    + "\"sex\":\"F\",\"age\":12},\"attributes\":{\"service\":\"counselling\",\"setting\":\"office\"}}";
            send(producer, "tonle.batched.PNH", change(withSubject));
            Waiting.until("headquarters read the change with a subject", Duration.ofSeconds(60),
                    () -> lag(hq) == 0 && refLengths(hq).startsWith("every length"));
        }
    }

    /** Whether a node knows the lengths of all its subjects' refs, and which they are. */
    private static String refLengths(TestNode node) {
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce((SELECT value FROM node_setting WHERE name = 'subject_ref_lengths'), 'every length')"
                     + " || ' ' || (SELECT coalesce(list(length ORDER BY length), [])::VARCHAR FROM subject_ref_length)")) {
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Headquarters never sees the offices' refs; each change tells it their lengths: a code of an
     * office's subject typed into a highlight sent to headquarters is found, and none of it is stored.
     */
    private static void aCodeOfAnOfficesSubjectIsRedactedAtHeadquarters(TestNode hq, String officeRecords) throws Exception {
        java.util.regex.Matcher ref = java.util.regex.Pattern.compile("\"ref\":\"(PNH-[A-Z]-\\d{4})\"").matcher(officeRecords);
        assertThat(ref.find()).isTrue();
        String code = ref.group(1);
        String id = UUID.randomUUID().toString();
        String highlight = "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"highlight\",\"office\":\"PNH\","
                + "\"date\":\"2015-08-30\",\"attributes\":{\"text\":\"Headquarters met " + code.toLowerCase()
                + "x at the court.\",\"public\":false}}";
        assertThat(refLengths(hq)).isEqualTo("complete [" + code.length() + "]");
        TestNode.Response sent = hq.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", highlight, null);
        assertThat(sent.json().path("accepted").asInt()).as(sent.body()).isOne();
        try (Connection c = hq.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT body FROM record_version WHERE record_id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("Headquarters met [case code]x at the court.")
                    .doesNotContainIgnoringCase(code.substring(4));
        }
    }

    private static String change(String record) throws IOException {
        String id = JSON.readTree(record).path("id").asText();
        return "{\"origin\":\"PNH\",\"action\":\"create\",\"id\":\"" + id + "\",\"version\":1,\"recorded_by\":\"pnh-staff\","
                + "\"recorded_at\":\"2026-12-01T01:00:00Z\",\"forwarded_at\":\"2026-12-01T01:00:01Z\",\"record\":" + record + "}";
    }

    private KafkaProducer<String, String> plainProducer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> producer, String topic, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, "PNH", value)).get(15, TimeUnit.SECONDS);
    }

    private static void awaitForwarded(TestNode office) {
        Waiting.until("the office has forwarded everything", Duration.ofSeconds(60),
                () -> office.get("/api/v1/status").json().path("transport").path("outbox").path("depth").asLong() == 0);
    }

    // --- nodes

    private TestNode node(String name, String office, String role, String topic, String group, int maxPoll, long capacity) {
        return node(name, office, role, topic, group, maxPoll, capacity, broker.bootstrap());
    }

    private TestNode node(String name, String office, String role, String topic, String group, int maxPoll, long capacity,
                          String bootstrap) {
        config(name, role, topic, group, maxPoll, capacity, bootstrap);
        return TestNode.start(root.resolve(name), office);
    }

    private Path config(String name, String role, String topic, String group, int maxPoll, long capacity) {
        return config(name, role, topic, group, maxPoll, capacity, broker.bootstrap());
    }

    /** A copy of config/ for one node: its role, the broker, and the organisation's shared key. */
    private Path config(String name, String role, String topic, String group, int maxPoll, long capacity, String bootstrap) {
        Path config = root.resolve(name).resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        try {
            Path file = config.resolve("tonle.yaml");
            String yaml = Files.readString(file)
                    .replace("role: single", "role: " + role)
                    .replace("security: sasl_ssl", "security: plaintext")
                    .replace("bootstrap: 127.0.0.1:9092", "bootstrap: " + bootstrap)
                    .replace("topic: tonle.records", "topic: " + topic)
                    .replace("group: tonle-headquarters", "group: " + group)
                    .replace("max_poll_records: 5000", "max_poll_records: " + maxPoll)
                    .replace("capacity: 1000000", "capacity: " + capacity)
                    .replace("key_file: \"\"", "key_file: \"" + key.toAbsolutePath() + "\"");
            assertThat(yaml).contains("role: " + role, "key_file: \"" + key.toAbsolutePath());
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    // --- records and figures

    private static JsonNode postNdjson(TestNode node, String ndjson) {
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", ndjson,
                "application/json");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("rejected")).as(answer.body()).isEmpty();
        return answer.json();
    }

    /** Case intakes in March 2016 (the subject is optional: none). */
    static String cases(String office, int n, String channel) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"program\":\"investigation\",\"type\":\"case_intake\",")
                    .append("\"office\":\"").append(office).append("\",\"date\":\"2016-03-").append(String.format("%02d", 1 + i % 28))
                    .append("\",\"attributes\":{\"channel\":\"").append(channel).append("\"}}\n");
        }
        return out.toString();
    }

    /** Stakeholder meetings in 2017 (no subject). */
    static String meetings(String office, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"program\":\"investigation\",\"type\":\"stakeholder_meeting\",")
                    .append("\"office\":\"").append(office).append("\",\"date\":\"2017-")
                    .append(String.format("%02d-%02d", 1 + i % 12, 1 + i % 28)).append("\"}\n");
        }
        return out.toString();
    }

    private void awaitSameFigures(TestNode hq, TestNode pnh, TestNode shv, String period) {
        Waiting.until("headquarters' figures for " + period + " equal the offices'", Duration.ofSeconds(60), () -> {
            try {
                assertSameFigures(hq, pnh, shv, period);
                return true;
            } catch (AssertionError notYet) {
                return false;
            }
        });
    }

    /** Every contract indicator at headquarters, for each office, equals that office's own figure. */
    private static void assertSameFigures(TestNode hq, TestNode pnh, TestNode shv, String period) {
        for (String code : CODES) {
            for (TestNode office : List.of(pnh, shv)) {
                String code3 = office == pnh ? "PNH" : "SHV";
                String query = "/api/v1/indicators/" + code + "/values?period=" + period + "&office=" + code3;
                assertThat(hq.get(query).json().path("rows")).as(code + " " + code3 + " " + period).isEqualTo(office.get(query).json().path("rows"));
            }
        }
        String bySex = "/api/v1/indicators/social.clients_met/values?period=" + period + "&by=sex&office=";
        assertThat(hq.get(bySex + "PNH").json()).isEqualTo(pnh.get(bySex + "PNH").json());
        assertThat(hq.get(bySex + "SHV").json()).isEqualTo(shv.get(bySex + "SHV").json());
    }

    private static long value(TestNode node, String code, String period, String filter) {
        JsonNode rows = node.get("/api/v1/indicators/" + code + "/values?period=" + period + filter).json().path("rows");
        return rows.get(0).path("value").asLong();
    }

    private static TestNode.Response metrics(TestNode node) {
        TestNode.Response answer = node.send("GET", "/metrics", TestNode.ADMIN_TOKEN, null, null, "text/plain");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer;
    }

    private static long lag(TestNode hq) {
        return hq.get("/api/v1/status").json().path("transport").path("consumer").path("lag").asLong(-1);
    }

    static long loaded(JsonNode status, String office) {
        return status.path("transport").path("offices").path(office).path("loaded").asLong();
    }


    /**
     * A node run as {@code java -jar host/target/tonle-host.jar serve}, so that it can be killed
     * with SIGKILL mid-work, as a power cut or the OOM killer would.
     */
    static final class ChildNode implements AutoCloseable {

        private final Process process;
        private final String url;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long lastLoaded;

        private ChildNode(Process process, String url) {
            this.process = process;
            this.url = url;
        }

        static ChildNode start(Path config, Path data, Path log, String... options) {
            int port = KafkaBroker.freePort();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx768m", "-XX:+UseSerialGC",
                    "-jar", TestNode.repository().resolve("host/target/tonle-host.jar").toString(),
                    "serve", "--config", config.toString(), "--data", data.toString(), "--port", String.valueOf(port),
                    "--flight-port", "0"));
            command.addAll(List.of(options));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("TONLE_ADMIN_TOKEN", TestNode.ADMIN_TOKEN);
            try {
                ChildNode node = new ChildNode(builder.start(), "http://127.0.0.1:" + port);
                Waiting.until("the node process serves", Duration.ofSeconds(60), () -> {
                    if (!node.process.isAlive()) {
                        throw new AssertionError("the node process exited; see " + log);
                    }
                    try {
                        return node.get("/health").status() == 200;
                    } catch (UncheckedIOException notYet) {
                        return false;
                    }
                });
                return node;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        TestNode.Response get(String path) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Accept", "application/json").build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                return new TestNode.Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Posts new records as NDJSON; the answer must be 200 without rejections. */
        JsonNode post(String ndjson) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/v1/activities")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Accept", "application/json")
                    .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                JsonNode answer = JSON.readTree(response.body());
                assertThat(answer.path("rejected")).as(response.body()).isEmpty();
                return answer;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The office's outbox depth. */
        long depth() {
            return get("/api/v1/status").json().path("transport").path("outbox").path("depth").asLong(-1);
        }

        JsonNode status() {
            JsonNode status = get("/api/v1/status").json();
            lastLoaded = loaded(status, "SRP");
            return status;
        }

        long value(String code, String period) {
            return get("/api/v1/indicators/" + code + "/values?period=" + period).json().path("rows").get(0).path("value").asLong();
        }

        /** SIGKILL: no shutdown hook, no offset commit, no checkpoint. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        /** SIGTERM: the node stops cleanly and releases the warehouse file. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}

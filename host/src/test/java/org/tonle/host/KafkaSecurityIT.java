package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;
import org.tonle.pipelines.SubjectKeys;

/**
 * Offices and headquarters over a broker as an organisation runs it (docs/TRANSPORT.md): TLS
 * with SASL/SCRAM-SHA-512 and KRaft's StandardAuthorizer. Nobody reaches the broker in plaintext
 * or with a wrong password; an office node writes its own topic only; headquarters takes the
 * office from the topic, refuses records, corrections and voids of offices that node may not
 * write, keeps them in its dead-letter store and tells the office, which shows it in its status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaSecurityIT {

    private static final String PNH_PASSWORD = "pnh-" + UUID.randomUUID();
    private static final String SHV_PASSWORD = "shv-" + UUID.randomUUID();
    private static final String HQ_PASSWORD = "hq-" + UUID.randomUUID();

    Path root;
    KafkaBroker broker;
    Path key;

    @BeforeAll
    void startBroker(@TempDir Path dir) {
        root = dir;
        broker = KafkaBroker.startSecure(root.resolve("kafka"),
                Map.of("office-pnh", PNH_PASSWORD, "office-shv", SHV_PASSWORD, "headquarters", HQ_PASSWORD));
        for (String node : List.of("PNH", "SHV")) {
            broker.createTopic("tonle.records." + node, 3);
            broker.createTopic("tonle.refusals." + node, 1);
            String user = "office-" + node.toLowerCase();
            broker.allow(user, ResourceType.TOPIC, "tonle.records." + node, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE);
            broker.allow(user, ResourceType.TOPIC, "tonle.refusals." + node, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        }
        broker.allow("headquarters", ResourceType.TOPIC, "tonle.records.", PatternType.PREFIXED, AclOperation.READ, AclOperation.DESCRIBE);
        broker.allow("headquarters", ResourceType.TOPIC, "tonle.refusals.", PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE);
        broker.allow("headquarters", ResourceType.GROUP, "tonle-headquarters", PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        key = root.resolve("organisation-key");
        SubjectKeys.fromFile(key, true);
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }

    @Test
    void aPlaintextClientCannotReachTheBroker() {
        Properties plain = new Properties();
        plain.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        plain.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        plain.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(plain)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void aClientWithAWrongPasswordCannotSignIn() throws Exception {
        Properties wrong = broker.client("office-pnh", "not-" + PNH_PASSWORD);
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(15, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
        // The right password signs in, so it is the password that was refused.
        Properties right = broker.client("office-pnh", PNH_PASSWORD);
        try (Admin admin = Admin.create(right)) {
            assertThat(admin.describeCluster().nodes().get(15, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void anOfficeCannotWriteAnotherOfficesTopic() throws Exception {
        try (KafkaProducer<String, String> pnh = producer("office-pnh", PNH_PASSWORD)) {
            assertThatThrownBy(() -> pnh.send(new ProducerRecord<>("tonle.records.SHV", "x", "{}")).get(15, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            // Its own topic it may write.
            assertThat(pnh.send(new ProducerRecord<>("tonle.records.PNH", UUID.randomUUID().toString(), "not a change"))
                    .get(15, TimeUnit.SECONDS).topic()).isEqualTo("tonle.records.PNH");
        }
    }

    @Test
    void headquartersTakesTheOfficeFromTheTopicAndRefusesWhatThatOfficeMayNotWrite() throws Exception {
        // PNH's node runs without --office (it accepts every office locally), as a careless or
        // compromised office might; SHV's node is an ordinary office.
        try (TestNode hq = node("hq", null, "headquarters", "headquarters", HQ_PASSWORD, "");
             TestNode pnh = node("pnh", null, "office", "office-pnh", PNH_PASSWORD, "PNH");
             TestNode shv = node("shv", "SHV", "office", "office-shv", SHV_PASSWORD, "")) {
            List<String> demo = Files.readAllLines(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
            String pnhDemo = demo.stream().filter(l -> l.contains("\"office\":\"PNH\"")).collect(Collectors.joining("\n"));
            assertThat(post(pnh, pnhDemo).path("accepted").asInt()).isEqualTo(537);
            String shvCases = TransportIT.cases("SHV", 3, "staff");
            assertThat(post(shv, shvCases).path("accepted").asInt()).isEqualTo(3);
            Waiting.until("headquarters has PNH's and SHV's records", Duration.ofSeconds(60),
                    () -> value(hq, "social.clients_met", "2015-08", "&office=PNH") == value(pnh, "social.clients_met", "2015-08", "&office=PNH")
                            && value(hq, "investigation.cases_received", "2016", "&office=SHV") == 3);
            JsonNode hqStatus = hq.get("/api/v1/status").json().path("transport");
            assertThat(hqStatus.path("kafka").path("security").asText()).isEqualTo("sasl_ssl");

            // 1. Through HTTP at PNH: records of SHV, accepted there, travel on PNH's topic and are refused.
            String claimed = TransportIT.cases("SHV", 2, "hotline");
            assertThat(post(pnh, claimed).path("accepted").asInt()).isEqualTo(2);
            Waiting.until("PNH sees headquarters' refusals in its status", Duration.ofSeconds(60),
                    () -> notPermitted(pnh) >= 2);
            JsonNode refusal = refused(pnh).path("recent").get(0);
            assertThat(refusal.path("rule").asText()).isEqualTo("office_not_permitted");
            assertThat(refusal.path("action").asText()).isEqualTo("create");
            assertThat(refusal.path("reason").asText()).contains("office node PNH may send records of PNH only, not of SHV");
            assertThat(value(hq, "investigation.cases_received", "2016", "&office=SHV")).isEqualTo(3);
            JsonNode letters = hq.get("/api/v1/rejections?rule=office_not_permitted").json();
            assertThat(letters.toString()).contains("kafka:PNH", "office node PNH may send records of PNH only");

            // 2. With PNH's own credentials, by hand: a message claiming to be SHV's, a correction
            //    and a void of an SHV record. Headquarters goes by the topic, not by the claim.
            String shvId = Json.MAPPER.readTree(shvCases.lines().findFirst().orElseThrow()).path("id").asText();
            ObjectNode moved = (ObjectNode) Json.MAPPER.readTree(shvCases.lines().findFirst().orElseThrow());
            moved.put("office", "PNH");
            String spoofed = TransportIT.cases("SHV", 1, "email").strip();
            try (KafkaProducer<String, String> producer = producer("office-pnh", PNH_PASSWORD)) {
                send(producer, envelope("SHV", "create", UUID.fromString(Json.MAPPER.readTree(spoofed).path("id").asText()), 1,
                        (ObjectNode) Json.MAPPER.readTree(spoofed)));
                send(producer, envelope("PNH", "correct", UUID.fromString(shvId), 2, moved));
                send(producer, envelope("PNH", "void", UUID.fromString(shvId), 2, null));
            }
            Waiting.until("PNH sees the three further refusals", Duration.ofSeconds(60), () -> notPermitted(pnh) >= 5);
            String recent = refused(pnh).path("recent").toString();
            assertThat(recent).contains("says it comes from office node SHV, but it was written on the topic of PNH",
                    "record " + shvId + " belongs to office SHV", "\"action\":\"void\"", "\"action\":\"correct\"");
            // SHV's figures at headquarters did not move; nor did PNH's.
            assertThat(value(hq, "investigation.cases_received", "2016", "&office=SHV")).isEqualTo(3);
            assertThat(value(hq, "investigation.cases_received", "2016", "&office=PNH")).isZero();
            assertThat(hq.get("/api/v1/rejections?rule=office_not_permitted").json().toString()).contains("void refused");
            assertThat(refused(shv).path("count").asLong()).isZero();
            // No raw subject ref travelled into what headquarters keeps or says.
            String pnhRef = demoRef(pnhDemo);
            assertThat(hq.get("/api/v1/rejections").body()).doesNotContain(pnhRef);
            assertThat(pnh.get("/api/v1/status").body()).doesNotContain(pnhRef);
        }
    }

    // --- helpers

    private TestNode node(String name, String office, String role, String user, String password, String node) {
        Path config = root.resolve(name).resolve("config");
        Path secrets = root.resolve(name).resolve("secrets");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        try {
            Files.createDirectories(secrets);
            Files.writeString(secrets.resolve("kafka-password"), password + "\n");
            Path file = config.resolve("tonle.yaml");
            String yaml = Files.readString(file)
                    .replace("role: single", "role: " + role)
                    .replace("node: \"\"", "node: \"" + node + "\"")
                    .replace("bootstrap: 127.0.0.1:9092", "bootstrap: " + broker.bootstrap())
                    .replace("truststore: \"\"", "truststore: \"" + broker.certificate().toAbsolutePath() + "\"")
                    .replace("username: \"\"", "username: " + user)
                    .replace("folder: \"\"\nbackup:", "folder: \"" + secrets.toAbsolutePath() + "\"\nbackup:")
                    .replace("key_file: \"\"", "key_file: \"" + key.toAbsolutePath() + "\"");
            assertThat(yaml).contains("username: " + user, "security: sasl_ssl", "folder: \"" + secrets.toAbsolutePath());
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return TestNode.start(root.resolve(name), office);
    }

    private KafkaProducer<String, String> producer(String user, String password) {
        Properties p = broker.client(user, password);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 12000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> producer, String envelope) throws Exception {
        String id = Json.MAPPER.readTree(envelope).path("id").asText();
        producer.send(new ProducerRecord<>("tonle.records.PNH", id, envelope)).get(15, TimeUnit.SECONDS);
    }

    private static String envelope(String origin, String action, UUID id, int version, ObjectNode record) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("origin", origin);
        node.put("action", action);
        node.put("id", id.toString());
        node.put("version", version);
        node.put("recorded_by", "someone");
        node.put("recorded_at", Instant.now().toString());
        node.put("forwarded_at", Instant.now().toString());
        if (record != null) {
            node.set("record", record);
        }
        return node.toString();
    }

    private static JsonNode post(TestNode node, String ndjson) {
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", ndjson,
                "application/json");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("rejected")).as(answer.body()).isEmpty();
        return answer.json();
    }

    private static JsonNode refused(TestNode office) {
        return office.get("/api/v1/status").json().path("transport").path("refused_by_headquarters");
    }

    /** Refusals for a place the office node may not write (other tests may leave a malformed message on PNH's topic). */
    private static long notPermitted(TestNode office) {
        long n = 0;
        for (JsonNode refusal : refused(office).path("recent")) {
            n += refusal.path("rule").asText().equals("office_not_permitted") ? 1 : 0;
        }
        return n;
    }

    private static long value(TestNode node, String code, String period, String filter) {
        JsonNode rows = node.get("/api/v1/indicators/" + code + "/values?period=" + period + filter).json().path("rows");
        return rows.get(0).path("value").asLong();
    }

    /** The raw subject ref of the first demo record that has one. */
    private static String demoRef(String ndjson) throws IOException {
        for (String line : ndjson.lines().toList()) {
            JsonNode ref = Json.MAPPER.readTree(line).path("subject").path("ref");
            if (ref.isTextual()) {
                return ref.asText();
            }
        }
        throw new AssertionError("no demo record with a subject ref");
    }
}

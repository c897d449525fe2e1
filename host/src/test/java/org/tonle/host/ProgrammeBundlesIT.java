package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.host.fixtures.ThrowingCheck;

/**
 * Programmes without touching the core: bundles built at test time with java.util.jar are
 * hot deployed into a running headquarters node through {@code <data>/deploy} (Felix
 * FileInstall), updated, withdrawn and brought back; bad bundles are refused with a reason while
 * everything else goes on serving; the investigation bundle's hotline route turns web-form
 * files into records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProgrammeBundlesIT {


    static final String SHELTER = """
            id: shelter
            name: Shelter
            department: shelter team
            activities:
              - id: stay
                name: Night in the shelter
                subject: required
                roles: [child]
            indicators:
              - code: shelter.children_sheltered
                name: Children given shelter
                measure: distinct_subjects
                activity: stay
                by: [office, sex]
            """;

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        // The test's own programmes run at Phnom Penh; "unplanned" is deployed nowhere.
        Files.writeString(root.resolve("config/deployments/PNH.yaml"),
                "programs: [legal, social, investigation, awareness, shelter, checked, leaky, impostor]\n");
        node = TestNode.start(root);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void theHeadquartersNodeRunsEveryDeployedProgrammeWithItsOffices() {
        JsonNode legal = programme("legal");
        assertThat(legal.path("state").asText()).isEqualTo("active");
        assertThat(legal.path("offices").toString()).isEqualTo("[\"PNH\",\"SRP\",\"SHV\"]");
        assertThat(programme("awareness").path("offices").toString()).isEqualTo("[\"PNH\",\"SHV\"]");
        assertThat(programme("investigation").path("routes").toString()).contains("investigation.hotline-intake");
        JsonNode bundles = node.get("/api/v1/programs/bundles").json();
        assertThat(bundles.toString()).contains("org.apache.felix.scr", "org.apache.felix.fileinstall");
        for (JsonNode bundle : bundles) {
            if (!bundle.path("bundle").asText().startsWith("org.example.")) {
                assertThat(bundle.path("state").asText()).as(bundle.toString()).isEqualTo("active");
            }
        }
    }

    @Test
    void aYamlOnlyBundleIsHotDeployedUpdatedWithdrawnAndBroughtBack() {
        Path deploy = node.data().resolve("deploy");
        TestBundles.programme("org.example.shelter", "1.0.0", SHELTER).deploy(deploy, "shelter.jar");
        long started = System.nanoTime();
        Waiting.until("shelter goes live", () -> "active".equals(programme("shelter").path("state").asText()));
        System.out.printf("shelter live %d ms after its jar was dropped%n", (System.nanoTime() - started) / 1_000_000);

        JsonNode answer = node.post("/api/v1/activities", "[" + stay("C-1", "F") + "," + stay("C-2", "M") + "," + stay("C-1", "F") + "]").json();
        assertThat(answer.path("accepted").asInt()).as(answer.toString()).isEqualTo(3);
        assertThat(august("shelter.children_sheltered")).isEqualTo(2);

        // A new version of the jar replaces the old one and its declaration is read again.
        String v2 = SHELTER.replace("    roles: [child]\n", "    roles: [child]\n  - id: referral\n    name: Referral\n    subject: none\n")
                + "  - code: shelter.referrals\n    name: Referrals\n    measure: records\n    activity: referral\n    by: [office]\n";
        TestBundles.programme("org.example.shelter", "1.1.0", v2).deploy(deploy, "shelter.jar");
        Waiting.until("shelter 1.1.0 replaces 1.0.0", () -> "1.1.0".equals(programme("shelter").path("version").asText()));
        assertThat(programme("shelter").path("indicators").toString()).contains("shelter.referrals");
        assertThat(august("shelter.children_sheltered")).isEqualTo(2);

        // Removing the jar withdraws the programme; its records stay in the warehouse.
        delete(deploy.resolve("shelter.jar"));
        Waiting.until("shelter is withdrawn", () -> programme("shelter").isMissingNode());
        assertThat(node.get("/api/v1/indicators/shelter.children_sheltered/values?period=2015-08").status()).isEqualTo(404);
        JsonNode refused = node.post("/api/v1/activities", stay("C-3", "F")).json();
        assertThat(refused.path("rejected").get(0).path("rule").asText()).isEqualTo("unknown_program");
        assertThat(refused.path("rejected").get(0).path("reason").asText()).contains("shelter", "not deployed");

        // Back again: the same figures.
        TestBundles.programme("org.example.shelter", "1.1.0", v2).deploy(deploy, "shelter.jar");
        Waiting.until("shelter returns", () -> "active".equals(programme("shelter").path("state").asText()));
        assertThat(august("shelter.children_sheltered")).isEqualTo(2);
    }

    @Test
    void badBundlesAreRefusedWithAReasonAndNothingElseChanges() {
        Path deploy = node.data().resolve("deploy");
        TestBundles.programme("org.example.broken", "1.0.0", "id: Broken Programme\nactivities: []\n").deploy(deploy, "broken.jar");
        TestBundles.programme("org.example.legal2", "1.0.0", SHELTER.replace("shelter", "legal")).deploy(deploy, "legal2.jar");
        TestBundles.programme("org.example.impostor", "1.0.0", SHELTER.replace("id: shelter", "id: impostor")
                .replace("code: shelter.children_sheltered", "code: legal.counselled_victims_family")).deploy(deploy, "impostor.jar");
        TestBundles.programme("org.example.needy", "1.0.0", SHELTER.replace("shelter", "needy"))
                .header("Import-Package", "org.example.nowhere;version=\"[1.0,2)\"").deploy(deploy, "needy.jar");
        TestBundles.plainJar().deploy(deploy, "not-a-bundle.jar");

        Waiting.until("broken is refused", () -> error("org.example.broken").contains("must be lower-case"));
        assertThat(error("org.example.broken")).contains("activities: at least one activity is needed");
        Waiting.until("the second legal is refused", () -> error("org.example.legal2").contains("programme id 'legal' is already declared by bundle tonle-programme-legal"));
        Waiting.until("the impostor is refused", () -> error("org.example.impostor").contains("indicator 'legal.counselled_victims_family': code must start with the programme id 'impostor.'"));
        Waiting.until("needy is reported", () -> error("org.example.needy").contains("package org.example.nowhere [1.0.0,2.0.0)"));
        assertThat(programmeEntry("org.example.needy").path("state").asText()).isEqualTo("failed");
        Waiting.until("the plain jar is reported", () -> error("not-a-bundle.jar").contains("not-a-bundle.jar is not an OSGi bundle:"
                + " its manifest has no Bundle-SymbolicName"));

        // The real legal programme is untouched and goes on taking records.
        assertThat(programme("legal").path("bundle").asText()).isEqualTo("tonle-programme-legal");
        assertThat(programme("legal").path("indicators").toString()).contains("legal.counselled_victims_family");
        JsonNode answer = node.post("/api/v1/activities", "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"legal\",\"type\":\"counselling\","
                + "\"office\":\"PNH\",\"date\":\"2015-07-02\",\"subject\":{\"ref\":\"L-1\",\"role\":\"victim\",\"sex\":\"F\"}}").json();
        assertThat(answer.path("accepted").asInt()).as(answer.toString()).isEqualTo(1);
        for (JsonNode bundle : node.get("/api/v1/programs/bundles").json()) {
            if (bundle.path("bundle").asText().startsWith("tonle-programme-")) {
                assertThat(bundle.path("state").asText()).isEqualTo("active");
                assertThat(bundle.path("programmeState").asText()).as(bundle.toString()).isEqualTo("active");
            }
        }
        for (String jar : new String[] {"broken.jar", "legal2.jar", "impostor.jar", "needy.jar", "not-a-bundle.jar"}) {
            delete(deploy.resolve(jar));
        }
        Waiting.until("refused bundles are forgotten when removed", () -> programmeEntry("org.example.needy").isMissingNode()
                && programmeEntry("org.example.broken").isMissingNode() && programmeEntry("not-a-bundle.jar").isMissingNode());
    }

    @Test
    void aJavaCheckThatThrowsIsDisabledAndVisibleAndOnlyItsProgrammeStops() {
        String declaration = SHELTER.replace("shelter", "checked");
        TestBundles.programme("org.example.checked", "1.0.0", declaration)
                .header("Import-Package", "org.tonle.programme.api;version=\"[1.0,2)\"")
                .header("Service-Component", "OSGI-INF/check.xml")
                .entry("OSGI-INF/check.xml", """
                        <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="checked.check">
                          <implementation class="org.tonle.host.fixtures.ThrowingCheck"/>
                          <service><provide interface="org.tonle.programme.api.RecordCheck"/></service>
                          <property name="tonle.programme" value="checked"/>
                        </scr:component>
                        """)
                .classFile(ThrowingCheck.class)
                .deployTrusted(node.config(), node.data().resolve("deploy"), "checked.jar");
        Waiting.until("checked goes live", () -> "active".equals(programme("checked").path("state").asText()));

        String record = stay("K-1", "F").replace("\"shelter\"", "\"checked\"");
        Waiting.until("the component is activated", () -> node.post("/api/v1/activities", record).json().path("rejected").size() == 1);
        JsonNode rejected = node.post("/api/v1/activities", record).json().path("rejected").get(0);
        assertThat(rejected.path("rule").asText()).isEqualTo("programme_check");
        assertThat(programme("checked").path("checks").toString()).contains("org.example.checked", "IllegalStateException", "lookup table not loaded");

        JsonNode other = node.post("/api/v1/activities", "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"investigation\","
                + "\"type\":\"stakeholder_meeting\",\"office\":\"PNH\",\"date\":\"2015-07-03\"}").json();
        assertThat(other.path("accepted").asInt()).as(other.toString()).isEqualTo(1);
        assertThat(node.get("/health").status()).isEqualTo(200);
    }

    @Test
    void theHotlineRouteTurnsWebFormFilesIntoCaseIntakeRecords() throws Exception {
        Path inbox = node.data().resolve("intake/hotline");
        Files.createDirectories(inbox);
        String form = """
                {"submission_id": "web-2015-08-0101", "received": "2015-08-20T10:00:00+07:00", "office": "PNH",
                 "channel": "web", "online": true, "child": {"case_code": "HL-77", "sex": "F", "age": 13}}
                """;
        drop(inbox, "form-1.json", form);
        Waiting.until("the web form is a case", () -> webCases() == 1);
        Waiting.until("the form is deleted once read", () -> !Files.exists(inbox.resolve("form-1.json")));

        // The same submission sent again is a duplicate; unreadable files are kept only sealed
        // under the node's key, and the log names them and where they broke, never their text
        // (Jackson would quote the code).
        ch.qos.logback.classic.Logger rootLogger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        rootLogger.addAppender(log);
        try {
            drop(inbox, "form-1-again.json", form);
            drop(inbox, "garbled.json", "{\"submission_id\": ");
            drop(inbox, "unquoted.json", "{\"child\": {\"case_code\": HL99SECRET}}");
            Waiting.until("the files are handled", () -> !Files.exists(inbox.resolve("form-1-again.json"))
                    && Files.exists(inbox.resolve(".failed/garbled.json.sealed")) && Files.exists(inbox.resolve(".failed/unquoted.json.sealed"))
                    && !Files.exists(inbox.resolve("unquoted.json")));
        } finally {
            rootLogger.detachAppender(log);
        }
        assertThat(webCases()).isEqualTo(1);
        assertThat(log.list).allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain("HL99SECRET"));
        assertThat(log.list).anySatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
            assertThat(event.getFormattedMessage()).contains("unquoted.json is not a JSON object (line 1, column");
            assertThat(event.getThrowableProxy()).as("no stack trace").isNull();
        });
        assertThat(log.list).noneSatisfy(event -> assertThat(event.getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR));
        try (Stream<Path> files = Files.walk(node.data()).filter(Files::isRegularFile)) {
            for (Path file : files.toList()) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                        .as("raw case code in " + file).doesNotContain("HL-77").doesNotContain("HL99SECRET");
            }
        }
    }

    @Test
    void aRouteThatReachesOutsideTheDataFolderIsRefused() {
        String declaration = SHELTER.replace("shelter", "leaky") + "routes: [TONLE-INF/routes/leak.camel.yaml]\n";
        TestBundles.programme("org.example.leaky", "1.0.0", declaration)
                .entry("TONLE-INF/routes/leak.camel.yaml", """
                        - route:
                            from:
                              uri: "file:{{tonle.data}}/intake/leaky"
                              steps:
                                - to: "file:/tmp/elsewhere"
                        """)
                .deployTrusted(node.config(), node.data().resolve("deploy"), "leaky.jar");
        Waiting.until("leaky is refused", () -> error("org.example.leaky").contains("may only use direct:tonle-intake and file: folders under the node's intake folder"));
        assertThat(programme("leaky").isMissingNode()).isTrue();
        assertThat(node.node().registry().programme("leaky")).isEmpty();
    }

    private long webCases() {
        JsonNode rows = node.get("/api/v1/indicators/investigation.cases_received/values?period=2015-08&by=channel").json().path("rows");
        return SeedFiguresIT.value(rows, "channel", "web");
    }

    private static void drop(Path inbox, String name, String text) throws Exception {
        Path staging = Files.createTempFile(inbox.getParent(), name, ".tmp");
        Files.writeString(staging, text);
        Files.move(staging, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    static String stay(String ref, String sex) {
        return "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"shelter\",\"type\":\"stay\",\"office\":\"PNH\",\"date\":\"2015-08-0"
                + (1 + Math.abs(ref.hashCode()) % 9) + "\",\"subject\":{\"ref\":\"" + ref + "\",\"role\":\"child\",\"sex\":\"" + sex + "\"}}";
    }

    private long august(String code) {
        TestNode.Response answer = node.get("/api/v1/indicators/" + code + "/values?period=2015-08");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("rows").get(0).path("value").asLong();
    }

    private JsonNode programme(String id) {
        for (JsonNode p : node.get("/api/v1/programs").json()) {
            if (id.equals(p.path("id").asText())) {
                return p;
            }
        }
        return MissingNode.getInstance();
    }

    private JsonNode programmeEntry(String bundle) {
        return programmeEntry(node, bundle);
    }

    /** A node's entry in {@code /api/v1/programs} for a bundle, by its symbolic name or jar; missing if none. */
    static JsonNode programmeEntry(TestNode node, String bundle) {
        for (JsonNode p : node.get("/api/v1/programs").json()) {
            if (bundle.equals(p.path("bundle").asText())) {
                return p;
            }
        }
        return MissingNode.getInstance();
    }

    private String error(String bundle) {
        return programmeEntry(bundle).path("error").asText("");
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}

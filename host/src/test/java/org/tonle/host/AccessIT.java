package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tonle.host.auth.AccessControl;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Access control end to end on a real node with the demo data: every endpoint for every role,
 * in and out of scope (a table: one line per endpoint); donors' disclosure control over HTTP;
 * the audit log; access.yaml reloaded without a restart; the IATI export valid against the
 * official 2.03 schema.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String STAFF = "staff-pnh-token";
    static final String ANALYST = "analyst-token";
    static final String DONOR = "donor-social-token";

    TestNode node;
    String pnhRecord;
    String pnhId;
    String srpId;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), access(""));
        node = TestNode.start(root);
        List<String> demo = Files.readAllLines(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                String.join("\n", demo), null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        // Donors are given the figures of approved months only (docs/ACCESS.md): August's social cells are approved.
        for (String step : List.of("submit", "approve")) {
            TestNode.Response approved = node.send("POST", "/api/v1/periods/2015-08/" + step, TestNode.ADMIN_TOKEN, "application/json",
                    "{\"programs\":[\"social\"]}", "application/json");
            assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        }
        pnhRecord = demo.stream().filter(l -> l.contains("\"office\":\"PNH\"")).findFirst().orElseThrow();
        pnhId = JSON.readTree(pnhRecord).path("id").asText();
        srpId = JSON.readTree(demo.stream().filter(l -> l.contains("\"office\":\"SRP\"")).findFirst().orElseThrow()).path("id").asText();
    }

    static String access(String extra) {
        return "principals:\n"
                + principal("pnh-staff", "staff", STAFF, "offices: [PNH]")
                + principal("analyst", "analyst", ANALYST, null)
                + principal("donor-social", "donor", DONOR, "programs: [social]")
                + extra;
    }

    static String principal(String name, String role, String token, String scope) {
        return "  - name: " + name + "\n    role: " + role + "\n    token_sha256: " + AccessControl.sha256Hex(token) + "\n"
                + (scope == null ? "" : "    " + scope + "\n");
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** Expected status per caller; 0 = not asked (the call would change data for the others). */
    record Expect(int anonymous, int admin, int staff, int analyst, int donor) {
    }

    static Expect expect(int anonymous, int admin, int staff, int analyst, int donor) {
        return new Expect(anonymous, admin, staff, analyst, donor);
    }

    /**
     * Every endpoint: method, path, body (JSON unless it starts with '{' is false), and the status for
     * no token, admin, staff of PNH, analyst, donor for social. Add one line per new endpoint.
     */
    Stream<Arguments> endpoints() {
        String unknown = "00000000-0000-0000-0000-000000000000";
        return Stream.of(
                line("GET", "/health", null, expect(200, 200, 200, 200, 200)),
                line("GET", "/api/v1/programs", null, expect(401, 200, 200, 200, 200)),
                line("GET", "/api/v1/indicators", null, expect(401, 200, 200, 200, 200)),
                // in scope for everyone (staff get their one office)
                line("GET", "/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex", null, expect(401, 200, 200, 200, 200)),
                // out of the donor's agreement
                line("GET", "/api/v1/indicators/legal.court_represented/values?period=2015-08", null, expect(401, 200, 200, 200, 403)),
                // out of the staff member's offices
                line("GET", "/api/v1/indicators/social.clients_met/values?period=2015-08&office=SRP", null, expect(401, 200, 403, 200, 200)),
                line("GET", "/api/v1/indicators/social.clients_met/values?period=2015-08&office=PNH", null, expect(401, 200, 200, 200, 200)),
                line("GET", "/api/v1/indicators/no.such/values?period=2015-08", null, expect(401, 404, 404, 404, 404)),
                line("GET", "/api/v1/indicators/social.clients_met/values?period=2015-13", null, expect(401, 400, 400, 400, 400)),
                // writes: staff and admins only; a PNH record is in the staff member's scope
                line("POST", "/api/v1/activities", "PNH", expect(401, 200, 200, 403, 403)),
                line("PUT", "/api/v1/activities/{pnh}", "PNH", expect(401, 200, 200, 403, 403)),
                line("PUT", "/api/v1/activities/{srp}", "PNH", expect(401, 0, 403, 403, 403)),
                line("DELETE", "/api/v1/activities/{srp}", null, expect(401, 0, 403, 403, 403)),
                line("DELETE", "/api/v1/activities/" + unknown, null, expect(401, 404, 404, 403, 403)),
                line("GET", "/api/v1/audit", null, expect(401, 200, 403, 403, 403)),
                line("GET", "/api/v1/audit?limit=many", null, expect(401, 400, 403, 403, 403)),
                line("GET", "/api/v1/audit?before=yesterday", null, expect(401, 400, 403, 403, 403)),
                // The body sent is a record, not {"ids", "reason"}: 400 for those who may dismiss (OfficePagesIT dismisses).
                line("POST", "/api/v1/rejections/dismiss", "PNH", expect(401, 400, 400, 403, 403)),
                // Everyone's own language for the pages; the record sent names none: 400.
                line("GET", "/api/v1/me/language", null, expect(401, 200, 200, 200, 200)),
                line("PUT", "/api/v1/me/language", "PNH", expect(401, 400, 400, 400, 400)),
                line("GET", "/api/v1/reports/monthly/2015-08", null, expect(401, 200, 403, 200, 200)),
                line("GET", "/api/v1/reports/monthly/2015-13", null, expect(401, 400, 403, 400, 400)),
                line("GET", "/api/v1/reports/2015-Q3", null, expect(401, 200, 403, 200, 200)),
                line("GET", "/api/v1/reports/2015-Q5", null, expect(401, 400, 403, 400, 400)),
                line("GET", "/api/v1/exports/iati?year=2015", null, expect(401, 200, 403, 403, 200)),
                line("GET", "/api/v1/exports/iati?year=15", null, expect(401, 400, 403, 403, 400)),
                // The body sent is an activity record, not {"sql": ...}: 400 for those allowed (AdHocSqlIT runs queries).
                line("POST", "/api/v1/sql", "{}", expect(401, 400, 403, 400, 403)),
                // Admins only; the body sent holds no passphrase and no recipient key is configured: 400.
                line("POST", "/api/v1/backup", "{}", expect(401, 400, 403, 403, 403)),
                line("GET", "/api/v1/periods/2015-05", null, expect(401, 200, 200, 200, 200)),
                // A body that is no selection (the test sends a record): 400.
                line("POST", "/api/v1/periods/2015-05/approve", "{}", expect(401, 400, 403, 403, 403)),
                line("POST", "/api/v1/periods/2015-05/reopen", "{}", expect(401, 400, 403, 403, 403)),
                // The review of highlights: admins, and staff for their offices' list; the body sent is no review: 400.
                line("GET", "/api/v1/highlights?period=2015-08", null, expect(401, 200, 200, 403, 403)),
                line("POST", "/api/v1/highlights/" + unknown + "/approve", "{}", expect(401, 400, 403, 403, 403)),
                line("POST", "/api/v1/highlights/" + unknown + "/reject", "{}", expect(401, 400, 403, 403, 403)),
                // People's accounts (AccountsIT has the sessions): admins manage users; a bearer caller has no session.
                line("GET", "/api/v1/users", null, expect(401, 200, 403, 403, 403)),
                line("POST", "/api/v1/users", "{}", expect(401, 400, 403, 403, 403)),
                line("POST", "/api/v1/users/nobody/password", "{}", expect(401, 400, 403, 403, 403)),
                line("POST", "/api/v1/session", "{}", expect(400, 400, 400, 400, 400)),
                line("GET", "/api/v1/session", null, expect(401, 404, 404, 404, 404)),
                line("DELETE", "/api/v1/session", null, expect(401, 204, 204, 204, 204)),
                line("POST", "/api/v1/session/password", "{}", expect(401, 400, 400, 400, 400)),
                line("GET", "/health/live", null, expect(200, 200, 200, 200, 200)));
    }

    static Arguments line(String method, String path, String body, Expect expect) {
        return Arguments.of(method, path, body, expect);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpoints")
    void everyEndpointForEveryRole(String method, String path, String body, Expect expect) {
        String resolved = path.replace("{pnh}", pnhId).replace("{srp}", srpId);
        String json = body == null ? null : pnhRecord;
        List<String> failures = new ArrayList<>();
        String[] tokens = {null, TestNode.ADMIN_TOKEN, STAFF, ANALYST, DONOR};
        int[] statuses = {expect.anonymous(), expect.admin(), expect.staff(), expect.analyst(), expect.donor()};
        String[] names = {"anonymous", "admin", "staff", "analyst", "donor"};
        for (int i = 0; i < tokens.length; i++) {
            if (statuses[i] == 0) {
                continue;
            }
            TestNode.Response answer = node.send(method, resolved, tokens[i], json == null ? null : "application/json", json,
                    resolved.contains("iati") && statuses[i] == 200 ? "application/xml" : "*/*");
            if (answer.status() != statuses[i]) {
                failures.add(names[i] + ": " + answer.status() + " (expected " + statuses[i] + ") " + answer.body());
            } else if (answer.status() >= 400 && !answer.contentType().startsWith("application/problem+json")) {
                failures.add(names[i] + ": " + answer.status() + " is " + answer.contentType() + ", not problem+json");
            }
        }
        assertThat(failures).as(method + " " + resolved).isEmpty();
        // A wrong token is no token (signing in, like /health, takes none and ignores one).
        if (!resolved.startsWith("/health") && !(method.equals("POST") && resolved.equals("/api/v1/session"))) {
            assertThat(node.send(method, resolved, "not-a-token", null, null, null).status()).isEqualTo(401);
        }
    }

    @Test
    void staffCannotRecordForAnotherOffice() {
        String srp = pnhRecord.replace("\"office\":\"PNH\"", "\"office\":\"SRP\"")
                .replace(pnhId, "11111111-2222-3333-4444-555555555555");
        JsonNode answer = node.send("POST", "/api/v1/activities", STAFF, "application/json", srp, null).json();
        assertThat(answer.path("accepted").asInt()).isZero();
        assertThat(answer.path("rejected").get(0).path("field").asText()).isEqualTo("office");
    }

    @Test
    void donorsSeeOnlyTheirProgrammes() {
        JsonNode catalogue = node.get("/api/v1/indicators", DONOR).json().path("indicators");
        assertThat(catalogue).isNotEmpty();
        catalogue.forEach(i -> assertThat(i.path("code").asText()).startsWith("social."));
        JsonNode programs = node.get("/api/v1/programs", DONOR).json();
        programs.forEach(p -> assertThat(p.path("id").asText()).isEqualTo("social"));
        assertThat(node.get("/api/v1/indicators", ANALYST).json().path("indicators").size()).isGreaterThan(catalogue.size());
    }

    @Test
    void donorsSeeNoSmallCellAndOthersSeeTrueValues() {
        String path = "/api/v1/indicators/social.clients_met/values?period=2015-08&by=office,sex";
        JsonNode donor = node.get(path, DONOR).json().path("rows");
        JsonNode analyst = node.get(path, ANALYST).json().path("rows");
        assertThat(donor).hasSameSizeAs(analyst);
        int suppressed = 0;
        for (int i = 0; i < donor.size(); i++) {
            JsonNode row = donor.get(i);
            long truth = analyst.get(i).path("value").asLong();
            assertThat(analyst.get(i).path("suppressed").asBoolean()).isFalse();
            if (row.path("suppressed").asBoolean()) {
                suppressed++;
                assertThat(row.path("value").isNull()).isTrue();
            } else {
                assertThat(row.path("value").asLong()).isEqualTo(truth);
                assertThat(truth).as(row.toString()).satisfiesAnyOf(v -> assertThat(v).isZero(),
                        v -> assertThat(v).isGreaterThanOrEqualTo(5));
            }
        }
        assertThat(suppressed).as("the demo month has 2 women met in Siem Reap").isPositive();
        // Office by office, a donor sees each office's row of the cross-tab, hidden cells included.
        JsonNode srp = node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&office=SRP&by=sex", DONOR)
                .json().path("rows");
        for (JsonNode row : srp) {
            for (JsonNode cell : donor) {
                if (cell.path("office").asText().equals("SRP") && cell.path("sex").asText().equals(row.path("sex").asText())) {
                    assertThat(row.path("suppressed").asBoolean()).as(row.toString()).isEqualTo(cell.path("suppressed").asBoolean());
                    assertThat(row.path("value")).isEqualTo(cell.path("value"));
                }
            }
        }
        assertThat(srp.get(0).path("suppressed").asBoolean()).as("F in Siem Reap").isTrue();
        // Totals by period alone are not suppressed.
        assertThat(node.get("/api/v1/indicators/social.clients_met/values?period=2015-08", DONOR).json()
                .path("rows").get(0).path("value").asLong()).isEqualTo(146);
    }

    @Test
    void donorAndAnalystReadsAreAudited() {
        node.get("/api/v1/indicators/social.medical_exams/values?period=2015-08", DONOR);
        JsonNode entries = node.get("/api/v1/audit?principal=donor-social&action=read&limit=5").json().path("entries");
        assertThat(entries).isNotEmpty();
        assertThat(entries.get(0).path("endpoint").asText()).isEqualTo("GET /api/v1/indicators/social.medical_exams/values");
        assertThat(entries.get(0).path("role").asText()).isEqualTo("donor");
        JsonNode writes = node.get("/api/v1/audit?action=write&since=2000-01-01").json().path("entries");
        assertThat(writes).isNotEmpty();
        assertThat(node.get("/api/v1/audit?since=yesterday").status()).isEqualTo(400);
    }

    @Test
    void accessYamlIsReloadedWithoutRestart() throws Exception {
        String late = "late-donor-token";
        assertThat(node.get("/api/v1/indicators", late).status()).isEqualTo(401);
        Files.writeString(node.config().resolve("access.yaml"), access(principal("late-donor", "donor", late, "programs: [awareness]")));
        // The node looks at the file at most once a second.
        Waiting.until("the new access.yaml is read", () -> node.get("/api/v1/indicators", late).status() == 200);
        assertThat(node.get("/api/v1/indicators/social.clients_met/values?period=2015-08", late).status()).isEqualTo(403);
        // A broken file keeps the principals in force.
        Files.writeString(node.config().resolve("access.yaml"), "principals: [ {name: x, role: nobody");
        Waiting.until("the broken access.yaml is reported", () -> node.get("/api/v1/status").json().path("access").has("error"));
        assertThat(node.get("/api/v1/indicators", late).status()).isEqualTo(200);
        Files.writeString(node.config().resolve("access.yaml"), access(""));
    }

    @Test
    void iatiExportIsValidAndShowsOnlyWhatTheDonorMaySee() throws Exception {
        TestNode.Response donor = node.send("GET", "/api/v1/exports/iati?year=2015", DONOR, null, null, "application/xml");
        assertThat(donor.status()).as(donor.body()).isEqualTo(200);
        validate(donor.body());
        Document xml = parse(donor.body());
        NodeList activities = xml.getElementsByTagName("iati-activity");
        assertThat(activities.getLength()).isEqualTo(1);
        assertThat(text(xml, "iati-identifier")).endsWith("-social");
        // August 2015, clients met: the total and F 82 / M 64 (both far above the minimum cell).
        String august = actualsOf(xml, "social.clients_met", "2015-08-01");
        assertThat(august).contains("146", "82:female", "64:male");

        TestNode.Response admin = node.send("GET", "/api/v1/exports/iati?year=2015", TestNode.ADMIN_TOKEN, null, null, "application/xml");
        validate(admin.body());
        assertThat(parse(admin.body()).getElementsByTagName("iati-activity").getLength()).isEqualTo(4);
        // Targets from config/targets.yaml, when the file is there, become target and baseline.
        if (Files.exists(node.config().resolve("targets.yaml"))) {
            assertThat(admin.body()).contains("<target ", "<baseline ");
        }
    }

    @Test
    void iatiExportNeverWritesASuppressedSexCell() throws Exception {
        // For every month, where the donor's table by sex has a suppressed cell, the export has the total only.
        Document xml = parse(node.send("GET", "/api/v1/exports/iati?year=2015", DONOR, null, null, "application/xml").body());
        for (int month = 1; month <= 12; month++) {
            String period = "2015-%02d".formatted(month);
            JsonNode rows = node.get("/api/v1/indicators/social.medical_exams/values?period=" + period + "&by=sex", DONOR)
                    .json().path("rows");
            boolean anySuppressed = false;
            for (JsonNode row : rows) {
                anySuppressed |= row.path("suppressed").asBoolean();
            }
            String actuals = actualsOf(xml, "social.medical_exams", period + "-01");
            if (anySuppressed) {
                assertThat(actuals).doesNotContain(":");
            }
        }
    }

    /** The actuals of one indicator's period, as "value" or "value:sex" joined by spaces. */
    static String actualsOf(Document xml, String code, String start) {
        NodeList indicators = xml.getElementsByTagName("indicator");
        for (int i = 0; i < indicators.getLength(); i++) {
            Element indicator = (Element) indicators.item(i);
            if (!indicator.getElementsByTagName("description").item(0).getTextContent().startsWith(code + " ")) {
                continue;
            }
            NodeList periods = indicator.getElementsByTagName("period");
            for (int p = 0; p < periods.getLength(); p++) {
                Element period = (Element) periods.item(p);
                Element periodStart = (Element) period.getElementsByTagName("period-start").item(0);
                Element periodEnd = (Element) period.getElementsByTagName("period-end").item(0);
                if (!periodStart.getAttribute("iso-date").equals(start) || periodEnd.getAttribute("iso-date").endsWith("12-31")
                        && !start.endsWith("12-01")) {
                    continue;
                }
                StringBuilder out = new StringBuilder();
                NodeList actuals = period.getElementsByTagName("actual");
                for (int a = 0; a < actuals.getLength(); a++) {
                    Element actual = (Element) actuals.item(a);
                    out.append(actual.getAttribute("value"));
                    NodeList dimension = actual.getElementsByTagName("dimension");
                    if (dimension.getLength() > 0) {
                        out.append(':').append(((Element) dimension.item(0)).getAttribute("value"));
                    }
                    out.append(' ');
                }
                return out.toString();
            }
        }
        throw new AssertionError("no period starting " + start + " for " + code);
    }

    static void validate(String xml) throws Exception {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        var schema = factory.newSchema(AccessIT.class.getResource("/iati-2.03/iati-activities-schema.xsd"));
        schema.newValidator().validate(new StreamSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
    }

    static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static String text(Document xml, String tag) {
        return xml.getElementsByTagName(tag).item(0).getTextContent();
    }
}

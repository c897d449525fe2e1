package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.auth.AccessControl;

/**
 * The review of highlights over HTTP on a real node (DESIGN.md 9.3): a case code of a known
 * subject typed into a highlight is redacted before anything is stored and holds it; a protected
 * name holds it (the names file read again when it changes); admins approve (a held one only with
 * an override reason) or reject (with a reason); only approved highlights reach a donor's report;
 * a correction sends a highlight back to review; decisions in an approved month are refused
 * period_locked; everything audited; staff see their offices, analysts and donors nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HighlightsIT {

    static final String STAFF = "highlights-staff-pnh";
    static final String ANALYST = "highlights-analyst";
    static final String DONOR = "highlights-donor-social";
    static final String CODE = "PNH-C-0777";

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), "principals:\n"
                + PeriodsIT.principal("pnh-staff", "staff", STAFF, "offices: [PNH]")
                + PeriodsIT.principal("analyst", "analyst", ANALYST, null)
                + PeriodsIT.principal("donor-social", "donor", DONOR, "programs: [social]"));
        Files.writeString(root.resolve("config/protected-names.txt"), "# names of children in our case files\nDara\nSok Chenda\n");
        node = TestNode.start(root);
        // The child whose code staff will type into a highlight: a known subject.
        String child = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"PNH\","
                + "\"date\":\"2015-09-03\",\"subject\":{\"ref\":\"" + CODE + "\",\"role\":\"victim\",\"sex\":\"F\",\"age\":12},"
                + "\"attributes\":{\"service\":\"counselling\",\"setting\":\"office\"}}";
        assertThat(node.send("POST", "/api/v1/activities", STAFF, "application/json", child, null).json().path("accepted").asInt()).isOne();
    }

    @AfterAll
    void stop() {
        node.close();
    }

    String highlight(String office, String date, String text) {
        String id = UUID.randomUUID().toString();
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", record(id, office, date, text), null);
        assertThat(answer.json().path("accepted").asInt()).as(answer.body()).isOne();
        return id;
    }

    static String record(String id, String office, String date, String text) {
        return "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"highlight\",\"office\":\"" + office + "\",\"date\":\"" + date
                + "\",\"attributes\":{\"text\":\"" + text + "\",\"public\":true}}";
    }

    JsonNode find(String period, String id, String token) {
        TestNode.Response answer = node.get("/api/v1/highlights?period=" + period, token);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        for (JsonNode h : answer.json().path("highlights")) {
            if (h.path("id").asText().equals(id)) {
                return h;
            }
        }
        return null;
    }

    TestNode.Response post(String path, String body) {
        return node.send("POST", path, TestNode.ADMIN_TOKEN, "application/json", body, "application/json");
    }

    String donorReport(String month) {
        TestNode.Response answer = node.send("GET", "/api/v1/reports/monthly/" + month, DONOR, null, null, "text/markdown");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.body();
    }

    @Test
    void aCaseCodeIsNeverStoredAndHoldsTheHighlight() throws Exception {
        String id = highlight("PNH", "2015-09-30", "We followed up with pnh-c-0777 (again) at the shelter.");
        JsonNode h = find("2015-09", id, TestNode.ADMIN_TOKEN);
        assertThat(h.path("text").asText()).isEqualTo("We followed up with [case code] (again) at the shelter.");
        assertThat(h.path("state").asText()).isEqualTo("held");
        assertThat(h.path("reasons").toString()).contains("case code of a known subject").doesNotContainIgnoringCase("0777");
        assertThat(h.path("office").asText()).isEqualTo("PNH");
        assertThat(h.path("program").asText()).isEqualTo("social");
        assertThat(h.path("kind").asText()).isEqualTo("highlight");
        // Nowhere in the warehouse: not the record, not its stored versions, not the audit.
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM fact_activity WHERE lower(attributes) LIKE '%0777%')"
                     + " + (SELECT count(*) FROM record_version WHERE lower(body) LIKE '%0777%')"
                     + " + (SELECT count(*) FROM audit_log WHERE lower(parameters) LIKE '%0777%')")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
        // Found through the lengths of the refs this node pseudonymised, which it keeps (never a ref).
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT list(length ORDER BY length) FROM subject_ref_length)::VARCHAR,"
                     + " (SELECT value FROM node_setting WHERE name = 'subject_ref_lengths')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("[" + CODE.length() + "]");
            assertThat(rs.getString(2)).isEqualTo("complete");
        }
        // Held: approving needs an override reason, then it is approved and reaches the donor.
        TestNode.Response refused = post("/api/v1/highlights/" + id + "/approve", "{}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("detail").asText()).contains("held", "override_reason");
        assertThat(donorReport("2015-09")).doesNotContain("at the shelter");
        TestNode.Response approved = post("/api/v1/highlights/" + id + "/approve",
                "{\"override_reason\":\"the code is redacted; the rest tells no one who the child is\"}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(approved.json().path("state").asText()).isEqualTo("approved");
        assertThat(approved.json().path("reviewed_by").asText()).isEqualTo("admin");
        assertThat(approved.json().path("reviewed_at").asText()).isNotEmpty();
        assertThat(donorReport("2015-09")).contains("(again) at the shelter.")
                .doesNotContainIgnoringCase("0777");
        assertThat(node.get("/api/v1/audit?limit=100").json().path("entries").toString())
                .contains("approve_highlight", "the code is redacted", "override_reason");
    }

    @Test
    void namesHoldAndTheNamesFileIsReadAgain() throws Exception {
        String named = highlight("PNH", "2015-10-30", "Dara attends school again.");
        String multi = highlight("PNH", "2015-10-30", "The family of SOK   chenda moved.");
        String inside = highlight("PNH", "2015-10-30", "The Daravuth school opened a library.");
        String later = highlight("PNH", "2015-10-30", "Vanna finished her tailoring course.");
        assertThat(find("2015-10", named, TestNode.ADMIN_TOKEN).path("state").asText()).isEqualTo("held");
        assertThat(find("2015-10", named, TestNode.ADMIN_TOKEN).path("reasons").toString()).contains("protected name", "Dara");
        assertThat(find("2015-10", multi, TestNode.ADMIN_TOKEN).path("state").asText()).isEqualTo("held");
        assertThat(find("2015-10", inside, TestNode.ADMIN_TOKEN).path("state").asText()).isEqualTo("pending");
        assertThat(find("2015-10", later, TestNode.ADMIN_TOKEN).path("state").asText()).isEqualTo("pending");
        assertThat(find("2015-10", inside, TestNode.ADMIN_TOKEN).path("reasons")).isEmpty();

        Path names = node.config().resolve("protected-names.txt");
        Files.writeString(names, "Dara\nSok Chenda\nVanna\n");
        Files.setLastModifiedTime(names, FileTime.from(Instant.now().plusSeconds(2)));
        Waiting.until("the names file is read again",
                () -> "held".equals(find("2015-10", later, TestNode.ADMIN_TOKEN).path("state").asText()));

        // The filter by state.
        JsonNode held = node.get("/api/v1/highlights?period=2015-10&state=held").json();
        assertThat(held.path("period").asText()).isEqualTo("2015-10");
        assertThat(held.path("highlights").findValuesAsText("id")).containsExactlyInAnyOrder(named, multi, later);
        assertThat(node.get("/api/v1/highlights?period=2015-10&state=pending").json().path("highlights").findValuesAsText("id"))
                .containsExactly(inside);
        assertThat(node.get("/api/v1/highlights?period=2015-10&state=maybe").status()).isEqualTo(400);

        // Corrected so that it names nobody, the held highlight is pending and approvable without an override.
        assertThat(post("/api/v1/highlights/" + named + "/approve", null).status()).isEqualTo(409);
        TestNode.Response put = node.send("PUT", "/api/v1/activities/" + named, TestNode.ADMIN_TOKEN, "application/json",
                record(named, "PNH", "2015-10-30", "A girl we support attends school again."), null);
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(find("2015-10", named, TestNode.ADMIN_TOKEN).path("state").asText()).isEqualTo("pending");
        assertThat(post("/api/v1/highlights/" + named + "/approve", null).status()).isEqualTo(200);
        assertThat(donorReport("2015-10")).contains("A girl we support attends school again.")
                .doesNotContain("Dara", "chenda", "Vanna", "Daravuth");
    }

    @Test
    void onlyApprovedHighlightsReachTheReportAndACorrectionNeedsAnotherReview() {
        String good = highlight("SRP", "2015-11-30", "Meeting with the provincial department on reintegration.");
        String bad = highlight("SHV", "2015-11-30", "A draft nobody should send.");
        assertThat(donorReport("2015-11")).doesNotContain("provincial department", "draft nobody");

        TestNode.Response noReason = post("/api/v1/highlights/" + bad + "/reject", "{}");
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.json().path("detail").asText()).contains("reason");
        TestNode.Response rejected = post("/api/v1/highlights/" + bad + "/reject", "{\"reason\":\"not ready for donors\"}");
        assertThat(rejected.status()).as(rejected.body()).isEqualTo(200);
        assertThat(rejected.json().path("state").asText()).isEqualTo("rejected");
        assertThat(post("/api/v1/highlights/" + good + "/approve", "{}").json().path("state").asText()).isEqualTo("approved");
        assertThat(donorReport("2015-11")).contains("provincial department on reintegration").doesNotContain("draft nobody");
        TestNode.Response admin = node.send("GET", "/api/v1/reports/monthly/2015-11", TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(admin.body()).contains("provincial department on reintegration").doesNotContain("draft nobody");

        // A correction of an approved highlight takes it out of the report until it is approved again.
        node.send("PUT", "/api/v1/activities/" + good, TestNode.ADMIN_TOKEN, "application/json",
                record(good, "SRP", "2015-11-30", "Meeting with the provincial department, changed after approval."), null);
        JsonNode corrected = find("2015-11", good, TestNode.ADMIN_TOKEN);
        assertThat(corrected.path("state").asText()).isEqualTo("pending");
        assertThat(corrected.path("reviewed_by").isNull()).isTrue();
        assertThat(donorReport("2015-11")).doesNotContain("provincial department");

        assertThat(node.get("/api/v1/audit?limit=100").json().path("entries").toString())
                .contains("reject_highlight", "not ready for donors", "POST /api/v1/highlights/" + bad + "/reject");
    }

    @Test
    void rolesScopeAndErrors() {
        String pnh = highlight("PNH", "2016-01-31", "PNH news.");
        String srp = highlight("SRP", "2016-01-31", "SRP news.");
        assertThat(node.get("/api/v1/highlights?period=2016-01", STAFF).json().path("highlights").findValuesAsText("id"))
                .containsExactly(pnh);
        assertThat(node.get("/api/v1/highlights?period=2016-01").json().path("highlights").findValuesAsText("id"))
                .containsExactlyInAnyOrder(pnh, srp);
        assertThat(node.get("/api/v1/highlights?period=2016-01", ANALYST).status()).isEqualTo(403);
        assertThat(node.get("/api/v1/highlights?period=2016-01", DONOR).status()).isEqualTo(403);
        assertThat(node.get("/api/v1/highlights?period=2016-01", null).status()).isEqualTo(401);
        assertThat(node.get("/api/v1/highlights", TestNode.ADMIN_TOKEN).status()).isEqualTo(400);
        assertThat(node.get("/api/v1/highlights?period=2016-1", TestNode.ADMIN_TOKEN).status()).isEqualTo(400);
        assertThat(node.send("POST", "/api/v1/highlights/" + pnh + "/approve", STAFF, "application/json", "{}", null).status()).isEqualTo(403);
        assertThat(node.send("POST", "/api/v1/highlights/" + pnh + "/reject", STAFF, "application/json", "{\"reason\":\"x\"}", null)
                .status()).isEqualTo(403);
        assertThat(post("/api/v1/highlights/" + UUID.randomUUID() + "/approve", "{}").status()).isEqualTo(404);
        assertThat(post("/api/v1/highlights/not-an-id/approve", "{}").status()).isEqualTo(404);
        // The audit has the reads too.
        assertThat(node.get("/api/v1/audit?limit=100").json().path("entries").findValuesAsText("endpoint")).contains("GET /api/v1/highlights");
    }

    @Test
    void decisionsInAnApprovedMonthAreLocked() {
        String id = highlight("PNH", "2016-02-29", "February news.");
        assertThat(post("/api/v1/periods/2016-02/submit", "{\"offices\":[\"PNH\"],\"programs\":[\"social\"]}").status()).isEqualTo(200);
        assertThat(post("/api/v1/periods/2016-02/approve", "{\"offices\":[\"PNH\"],\"programs\":[\"social\"]}").status()).isEqualTo(200);
        TestNode.Response locked = post("/api/v1/highlights/" + id + "/approve", "{}");
        assertThat(locked.status()).isEqualTo(409);
        assertThat(locked.json().path("rule").asText()).isEqualTo("period_locked");
        assertThat(post("/api/v1/periods/2016-02/reopen", "{\"reason\":\"a highlight to review\",\"offices\":[\"PNH\"],\"programs\":[\"social\"]}")
                .status()).isEqualTo(200);
        assertThat(post("/api/v1/highlights/" + id + "/approve", "{}").status()).isEqualTo(200);
    }
}

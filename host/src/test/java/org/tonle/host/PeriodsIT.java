package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;
import org.tonle.host.auth.AccessControl;

/**
 * The monthly cycle over HTTP on a real node with the demo data (DESIGN.md 9.3): submit,
 * approve and reopen by role and scope; records, corrections, voids and imports into an
 * approved month refused with rule period_locked and replayed after a reopen; donors reading
 * the approved figures until a re-approval, which lists the revision; the report of an approved
 * month unchanged by a late record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeriodsIT {

    static final String STAFF = "periods-staff-pnh";
    static final String ANALYST = "periods-analyst";
    static final String DONOR = "periods-donor-social";

    TestNode node;
    String pnhSocialAugust;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), "principals:\n"
                + principal("pnh-staff", "staff", STAFF, "offices: [PNH]")
                + principal("analyst", "analyst", ANALYST, null)
                + principal("donor-social", "donor", DONOR, "programs: [social]"));
        node = TestNode.start(root);
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        pnhSocialAugust = demo.lines().filter(l -> l.contains("\"program\":\"social\"") && l.contains("\"office\":\"PNH\"")
                && l.contains("\"date\":\"2015-08-")).findFirst().orElseThrow();
    }

    static String principal(String name, String role, String token, String scope) {
        return "  - name: " + name + "\n    role: " + role + "\n    token_sha256: " + AccessControl.sha256Hex(token) + "\n"
                + (scope == null ? "" : "    " + scope + "\n");
    }

    @AfterAll
    void stop() {
        node.close();
    }

    TestNode.Response post(String path, String token, String body) {
        return node.send("POST", path, token, "application/json", body, "application/json");
    }

    @Test
    void submitApproveAndReopenFollowRolesAndScope() {
        JsonNode staffView = node.get("/api/v1/periods/2015-07", STAFF).json();
        assertThat(staffView.path("period").asText()).isEqualTo("2015-07");
        assertThat(staffView.path("cells").findValuesAsText("office")).containsOnly("PNH").hasSize(4);
        assertThat(staffView.path("cells").findValuesAsText("state")).containsOnly("open");
        JsonNode donorView = node.get("/api/v1/periods/2015-07", DONOR).json();
        assertThat(donorView.path("cells").findValuesAsText("program")).containsOnly("social").hasSize(3);
        assertThat(node.get("/api/v1/periods/2015-7", STAFF).status()).isEqualTo(400);

        assertThat(post("/api/v1/periods/2015-07/submit", STAFF, "{\"offices\":[\"SRP\"]}").status()).isEqualTo(403);
        assertThat(post("/api/v1/periods/2015-07/submit", ANALYST, "{}").status()).isEqualTo(403);
        assertThat(post("/api/v1/periods/2015-07/submit", DONOR, "{}").status()).isEqualTo(403);
        TestNode.Response submitted = post("/api/v1/periods/2015-07/submit", STAFF, null);
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
        JsonNode cell = submitted.json().path("cells").get(0);
        assertThat(cell.path("state").asText()).isEqualTo("submitted");
        assertThat(cell.path("changed_by").asText()).isEqualTo("pnh-staff");
        assertThat(cell.path("changed_at").asText()).isNotEmpty();
        TestNode.Response again = post("/api/v1/periods/2015-07/submit", STAFF, "{}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("detail").asText()).contains("submitted already");

        assertThat(post("/api/v1/periods/2015-07/approve", STAFF, "{}").status()).isEqualTo(403);
        TestNode.Response early = post("/api/v1/periods/2015-07/approve", TestNode.ADMIN_TOKEN, "{\"programs\":[\"legal\"]}");
        assertThat(early.status()).as("SRP and SHV have not submitted").isEqualTo(409);
        assertThat(early.json().path("detail").asText()).contains("SRP/legal is open").contains("nothing was changed");
        TestNode.Response approved = post("/api/v1/periods/2015-07/approve", TestNode.ADMIN_TOKEN,
                "{\"offices\":[\"PNH\"],\"programs\":[\"legal\"]}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(state(approved.json(), "PNH", "legal")).isEqualTo("approved");
        assertThat(state(approved.json(), "PNH", "social")).isEqualTo("submitted");

        assertThat(post("/api/v1/periods/2015-07/reopen", STAFF, "{\"reason\":\"x\"}").status()).isEqualTo(403);
        TestNode.Response noReason = post("/api/v1/periods/2015-07/reopen", TestNode.ADMIN_TOKEN, "{\"offices\":[\"PNH\"]}");
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.json().path("detail").asText()).contains("reason");
        TestNode.Response reopened = post("/api/v1/periods/2015-07/reopen", TestNode.ADMIN_TOKEN,
                "{\"reason\":\"court records came late\",\"offices\":[\"PNH\"],\"programs\":[\"legal\"]}");
        assertThat(reopened.status()).as(reopened.body()).isEqualTo(200);
        assertThat(state(reopened.json(), "PNH", "legal")).isEqualTo("open");
        assertThat(post("/api/v1/periods/2015-07/reopen", TestNode.ADMIN_TOKEN,
                "{\"reason\":\"again\",\"offices\":[\"SRP\"],\"programs\":[\"legal\"]}").status()).as("SRP/legal is open").isEqualTo(409);
        assertThat(post("/api/v1/periods/2015-07/approve", TestNode.ADMIN_TOKEN, "{\"offices\":[\"PNH\"],\"programs\":[\"social\"]}")
                .status()).isEqualTo(200);
        TestNode.Response late = post("/api/v1/periods/2015-07/submit", STAFF, "{\"programs\":[\"social\"]}");
        assertThat(late.status()).as("an approved cell cannot be submitted").isEqualTo(409);
        assertThat(late.json().path("detail").asText()).contains("PNH/social is approved");

        JsonNode audit = node.get("/api/v1/audit?limit=50").json().path("entries");
        assertThat(audit.findValuesAsText("endpoint")).contains("POST /api/v1/periods/2015-07/submit",
                "POST /api/v1/periods/2015-07/approve", "POST /api/v1/periods/2015-07/reopen");
        assertThat(audit.toString()).contains("court records came late");
    }

    @Test
    void anApprovedMonthIsLockedAndItsFiguresStayAsReportedUntilReApproval() throws Exception {
        assertThat(post("/api/v1/periods/2015-08/submit", TestNode.ADMIN_TOKEN, "{\"programs\":[\"social\"]}").status()).isEqualTo(200);
        TestNode.Response approved = post("/api/v1/periods/2015-08/approve", TestNode.ADMIN_TOKEN, "{\"programs\":[\"social\"]}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(approved.json().path("revisions")).isEmpty();

        JsonNode donorRow = clientsMet(DONOR, "");
        assertThat(donorRow.path("value").asLong()).isEqualTo(146);
        assertThat(donorRow.path("revision").asText()).isEqualTo("approved");
        assertThat(clientsMet(TestNode.ADMIN_TOKEN, "").path("revision").asText()).isEqualTo("current");
        assertThat(node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&revision=latest", DONOR).status()).isEqualTo(400);
        String report = report();

        // A late record over HTTP and one in an import: rejected, kept for replay.
        String late = record(id("late-1"), "LATE-C-1", "2015-08-20");
        JsonNode posted = node.send("POST", "/api/v1/activities", STAFF, "application/json", late, null).json();
        assertThat(posted.path("accepted").asInt()).isZero();
        assertThat(posted.path("rejected").get(0).path("rule").asText()).isEqualTo("period_locked");
        String csv = "id,program,type,office,date,count,subject_ref,subject_role,subject_sex,subject_age,attr.setting\n"
                + id("late-2") + ",social,client_contact,PNH,2015-08-21,,LATE-C-2,client,M,12,shelter\n"
                + id("late-3") + ",social,client_contact,PNH,2015-09-02,,LATE-C-3,client,M,12,shelter\n";
        JsonNode job = node.send("POST", "/api/v1/imports", TestNode.ADMIN_TOKEN, "text/csv", csv, "application/json").json();
        assertThat(job.path("accepted").asInt()).as(job.toString()).isEqualTo(1);
        assertThat(job.path("rejections").get(0).path("rule").asText()).isEqualTo("period_locked");

        // A correction or void of a record in the approved month: 409 with the rule.
        String id = Json.MAPPER.readTree(pnhSocialAugust).path("id").asText();
        TestNode.Response put = node.send("PUT", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, "application/json",
                pnhSocialAugust.replace("\"sex\":\"F\"", "\"sex\":\"X\"").replace("\"sex\":\"M\"", "\"sex\":\"X\""), null);
        assertThat(put.status()).as(put.body()).isEqualTo(409);
        assertThat(put.json().path("rule").asText()).isEqualTo("period_locked");
        TestNode.Response delete = node.send("DELETE", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, null, null, null);
        assertThat(delete.status()).isEqualTo(409);
        assertThat(delete.json().path("rule").asText()).isEqualTo("period_locked");
        assertThat(clientsMet(TestNode.ADMIN_TOKEN, "").path("value").asLong()).isEqualTo(146);

        // Reopened for PNH: the rejections replay; donors keep the approved figure until re-approval.
        assertThat(post("/api/v1/periods/2015-08/reopen", TestNode.ADMIN_TOKEN,
                "{\"reason\":\"two late intakes\",\"offices\":[\"PNH\"],\"programs\":[\"social\"]}").status()).isEqualTo(200);
        JsonNode locked = node.get("/api/v1/rejections?rule=period_locked").json();
        StringBuilder ids = new StringBuilder();
        locked.forEach(r -> {
            if (r.path("recordId").asText().equals(id("late-1")) || r.path("recordId").asText().equals(id("late-2"))) {
                ids.append(ids.length() == 0 ? "" : ",").append(r.path("id").asLong());
            }
        });
        assertThat(ids.toString().split(",")).hasSize(2);
        JsonNode replayed = post("/api/v1/rejections/replay", TestNode.ADMIN_TOKEN, "{\"ids\":[" + ids + "]}").json();
        assertThat(replayed.path("accepted").asInt()).as(replayed.toString()).isEqualTo(2);
        assertThat(clientsMet(TestNode.ADMIN_TOKEN, "").path("value").asLong()).isEqualTo(148);
        assertThat(clientsMet(DONOR, "").path("value").asLong()).isEqualTo(146);
        assertThat(clientsMet(DONOR, "").path("revision").asText()).isEqualTo("approved");
        // Donors read approved figures only (docs/ACCESS.md: answers at two times); others may ask for either.
        TestNode.Response refused = node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&revision=current", DONOR);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("detail").asText()).contains("approved figures only");
        JsonNode current = clientsMet(ANALYST, "&revision=current");
        assertThat(current.path("value").asLong()).isEqualTo(148);
        assertThat(current.path("revision").asText()).isEqualTo("current");
        assertThat(clientsMet(ANALYST, "&revision=approved").path("value").asLong()).isEqualTo(146);
        assertThat(report()).as("the report of an approved month does not change").isEqualTo(report);

        // Re-approved: the new figure is the figure of record, the change listed with the reason.
        assertThat(post("/api/v1/periods/2015-08/submit", STAFF, "{\"programs\":[\"social\"]}").status()).isEqualTo(200);
        TestNode.Response reapproved = post("/api/v1/periods/2015-08/approve", TestNode.ADMIN_TOKEN, "{\"programs\":[\"social\"]}");
        assertThat(reapproved.status()).as(reapproved.body()).isEqualTo(200);
        JsonNode month = reapproved.json();
        assertThat(clientsMet(DONOR, "").path("value").asLong()).isEqualTo(148);
        JsonNode revision = null;
        for (JsonNode r : month.path("revisions")) {
            if (r.path("indicator").asText().equals("social.clients_met") && !r.has("office") && !r.has("by")) {
                revision = r;
            }
        }
        assertThat(revision).as(month.toString()).isNotNull();
        assertThat(revision.path("before").get(0).path("value").asLong()).isEqualTo(146);
        assertThat(revision.path("after").get(0).path("value").asLong()).isEqualTo(148);
        assertThat(revision.path("reason").asText()).isEqualTo("two late intakes");
        assertThat(node.get("/api/v1/periods/2015-08", DONOR).json().path("revisions").toString()).contains("two late intakes");
        assertThat(report()).isNotEqualTo(report);
    }

    JsonNode clientsMet(String token, String extra) {
        TestNode.Response answer = node.get("/api/v1/indicators/social.clients_met/values?period=2015-08" + extra, token);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("rows").get(0);
    }

    String report() {
        TestNode.Response answer = node.send("GET", "/api/v1/reports/monthly/2015-08", DONOR, null, null, "text/markdown");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.body();
    }

    static String state(JsonNode month, String office, String program) {
        for (JsonNode cell : month.path("cells")) {
            if (cell.path("office").asText().equals(office) && cell.path("program").asText().equals(program)) {
                return cell.path("state").asText();
            }
        }
        throw new AssertionError("no cell " + office + "/" + program + " in " + month);
    }

    static String record(String id, String ref, String date) {
        return "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"PNH\",\"date\":\"" + date
                + "\",\"subject\":{\"ref\":\"" + ref + "\",\"role\":\"client\",\"sex\":\"F\",\"age\":15},\"attributes\":{\"setting\":\"shelter\"}}";
    }

    static String id(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}

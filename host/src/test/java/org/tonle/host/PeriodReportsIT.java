package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quarterly and annual reports ({@code GET /api/v1/reports/{period}}, DESIGN.md 9.3): the
 * organisation's name and the period in the title, challenges and plans as kinds of highlight
 * under their own headings, and targets against actuals from config/targets.yaml.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeriodReportsIT {

    static final String CHALLENGE = "Two hearings were postponed because the court had no interpreter.";
    static final String PLAN = "Train the new social workers of Siem Reap in September.";

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        node = TestNode.start(root);
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null).status()).isEqualTo(200);
        String records = highlight(CHALLENGE, "challenge", "2015-08-20") + "\n" + highlight(PLAN, "plan", "2015-09-02") + "\n";
        TestNode.Response sent = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", records, null);
        assertThat(sent.status()).as(sent.body()).isEqualTo(200);
        for (String month : new String[] {"2015-07", "2015-08", "2015-09"}) {
            for (JsonNode h : node.get("/api/v1/highlights?period=" + month + "&state=pending").json().path("highlights")) {
                TestNode.Response approved = node.send("POST", "/api/v1/highlights/" + h.path("id").asText() + "/approve",
                        TestNode.ADMIN_TOKEN, "application/json", "{}", "application/json");
                assertThat(approved.status()).as(approved.body()).isEqualTo(200);
            }
        }
    }

    private static String highlight(String text, String kind, String date) {
        return """
                {"id":"%s","program":"legal","type":"highlight","office":"PNH","date":"%s","attributes":{"text":"%s","public":true,"kind":"%s"}}"""
                .formatted(UUID.randomUUID(), date, text, kind);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void aQuarterlyReportSetsChallengesAndPlansApart() throws Exception {
        TestNode.Response md = node.send("GET", "/api/v1/reports/2015-Q3", TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(md.status()).as(md.body()).isEqualTo(200);
        assertThat(md.body()).startsWith("# Tonle demonstration organisation\u2019s Achievement Highlights for Q3 2015")
                .containsSubsequence("## Legal Support Program", "### Challenges", CHALLENGE, "### Plans for the next period", PLAN,
                        "In conclusion, the legal department");
        // A quarter's conclusion counts the quarter: more than August's 27.
        long quarter = node.get("/api/v1/indicators/legal.counselled_victims_family/values?period=2015-Q3").json()
                .path("rows").get(0).path("value").asLong();
        assertThat(quarter).isGreaterThan(27);
        assertThat(md.body()).contains("support to " + quarter + " victims and family members");
        // August's monthly report has the challenge but not September's plan.
        String august = node.send("GET", "/api/v1/reports/monthly/2015-08", TestNode.ADMIN_TOKEN, null, null, "text/markdown").body();
        assertThat(august).contains("### Challenges", CHALLENGE).doesNotContain(PLAN);

        byte[] pdf = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/reports/2015-Q3"))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Accept", "application/pdf").build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        try (PDDocument document = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(document).replaceAll("\\s+", " ");
            assertThat(text).contains("Q3 2015", "Challenges", CHALLENGE, "Plans for the next period", PLAN);
        }
    }

    @Test
    void anAnnualReportPutsTargetsAgainstActuals() {
        TestNode.Response md = node.send("GET", "/api/v1/reports/2015", TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(md.status()).as(md.body()).isEqualTo(200);
        assertThat(md.body()).startsWith("# Tonle demonstration organisation\u2019s Achievement Highlights for 2015");
        JsonNode values = node.get("/api/v1/indicators/social.clients_met/values?period=2015").json();
        long actual = values.path("rows").get(0).path("value").asLong();
        JsonNode target = values.path("targets").get(0);
        assertThat(md.body()).contains("### Targets", "- Clients met by social workers: " + actual + " against a target of 1800 ("
                + target.path("achievement").asText().replaceAll("\\.0$", "") + "%)");
        // Every indicator with a yearly target has its line; one without (legal.witnesses_counselled) has none.
        assertThat(md.body()).contains("against a target of 350", "against a target of 300", "against a target of 36")
                .doesNotContain("Witnesses given legal counselling and support:");
    }

    @Test
    void periodsAreNamedOrRefused() {
        TestNode.Response bad = node.send("GET", "/api/v1/reports/2015-13", TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("detail").asText()).contains("2015-13", "2015-Q3");
        TestNode.Response quarterAsMonth = node.send("GET", "/api/v1/reports/monthly/2015-Q3", TestNode.ADMIN_TOKEN, null, null,
                "text/markdown");
        assertThat(quarterAsMonth.status()).isEqualTo(400);
        TestNode.Response staff = node.send("GET", "/api/v1/reports/2015", "staff-pnh-token-not-configured", null, null, "text/markdown");
        assertThat(staff.status()).isEqualTo(401);
    }
}

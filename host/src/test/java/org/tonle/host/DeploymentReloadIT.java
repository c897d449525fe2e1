package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployments reloaded without a restart (DESIGN.md section 9.6): the Siem Reap node does not
 * run awareness; adding it to deployments/SRP.yaml makes it live there within two seconds,
 * removing it withdraws it, and a broken edit keeps the last good deployments and says so.
 */
class DeploymentReloadIT {

    @Test
    void aProgrammeAddedToAnOfficesDeploymentIsLiveThereWithinTwoSecondsAndWithdrawnWhenRemoved(@TempDir Path root) throws Exception {
        try (TestNode node = TestNode.start(root, "SRP")) {
            Path srp = node.config().resolve("deployments/SRP.yaml");
            assertThat(state(node, "awareness")).isEqualTo("not_deployed");
            assertThat(node.post("/api/v1/activities", training()).json().path("accepted").asInt()).isZero();

            Files.writeString(srp, "programs: [legal, social, investigation, awareness]\n");
            long took = Waiting.millisUntil("the deployment is live", Duration.ofSeconds(10), () -> "active".equals(state(node, "awareness")));
            System.out.printf("deployment reload: awareness live at SRP %d ms after the edit%n", took);
            assertThat(took).isLessThan(2000);
            assertThat(programme(node, "awareness").path("offices").toString()).isEqualTo("[\"SRP\"]");
            assertThat(node.post("/api/v1/activities", training()).json().path("accepted").asInt()).isEqualTo(1);
            JsonNode rows = node.get("/api/v1/indicators/awareness.participants/values?period=2015-08&by=office").json().path("rows");
            assertThat(rows.toString()).contains("\"office\":\"SRP\"");
            assertThat(node.get("/api/v1/status").json().path("deployments").path("state").asText()).isEqualTo("ok");

            Files.writeString(srp, "programs: [legal, social]\n");
            took = Waiting.millisUntil("the deployment is withdrawn", Duration.ofSeconds(10), () -> "not_deployed".equals(state(node, "awareness")));
            System.out.printf("deployment reload: awareness withdrawn at SRP %d ms after the edit%n", took);
            assertThat(took).isLessThan(2000);
            Waiting.until("the deployment changes", Duration.ofSeconds(10), () -> "not_deployed".equals(state(node, "investigation")));
            assertThat(programme(node, "awareness").path("error").asText()).contains("not in the deployment");
            JsonNode rejected = node.post("/api/v1/activities", training()).json().path("rejected");
            assertThat(rejected.toString()).contains("not_deployed");
            assertThat(node.node().registry().programmes()).extracting(p -> p.id()).containsExactly("legal", "social");
        }
    }

    /**
     * Review r8: the report, the IATI export and {@code /api/v1/me} were given the configuration of
     * the start and kept it. An office added and one renamed in offices.yaml, and headquarters'
     * deployment reordered, reach them within seconds like every other part; and a donor whose
     * agreement stops naming a programme sees it nowhere from then on (report, export, me).
     */
    @Test
    void aReloadReachesTheReportTheExportAndMeAndAnAgreementThatStopsNamingAProgrammeHidesIt(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path access = root.resolve("config/access.yaml");
        String donor = "reload-donor-token";
        Files.writeString(access, agreement(donor, "[social, awareness]"));
        try (TestNode node = TestNode.start(root)) {
            assertThat(node.get("/api/v1/me").json().path("offices").toString()).isEqualTo("[\"PNH\",\"SRP\",\"SHV\"]");
            assertThat(sections(node, TestNode.ADMIN_TOKEN)).containsSubsequence("Legal Support Program", "Awareness and Training Program");

            Files.writeString(node.config().resolve("offices.yaml"), """
                    offices:
                      - {code: PNH, name: Phnom Penh}
                      - {code: SRP, name: Siem Reap}
                      - {code: SHV, name: Sihanoukville}
                      - {code: KPT, name: Kampot}
                    """);
            Files.writeString(node.config().resolve("deployments/KPT.yaml"), "programs: [social]\n");
            Files.writeString(node.config().resolve("deployments/PNH.yaml"), "programs: [awareness, social, legal, investigation]\n");
            Waiting.until("the offices are reloaded", Duration.ofSeconds(10),
                    () -> node.get("/api/v1/me").json().path("offices").toString().equals("[\"PNH\",\"SRP\",\"SHV\",\"KPT\"]"));
            assertThat(sections(node, TestNode.ADMIN_TOKEN)).containsSubsequence("Awareness and Training Program", "Legal Support Program");
            JsonNode analytics = node.get("/api/v1/analytics?indicator=social.clients_met&period=2015-08&by=office").json();
            assertThat(analytics.toString()).contains("Sihanoukville").doesNotContain("Preah Sihanouk");

            assertThat(sections(node, donor)).contains("Awareness and Training Program");
            assertThat(iati(node, donor)).contains("-awareness<");
            Files.writeString(access, agreement(donor, "[social]"));
            Waiting.until("the agreement is reloaded", Duration.ofSeconds(10),
                    () -> node.get("/api/v1/me", donor).json().path("programs").toString().equals("[\"social\"]"));
            assertThat(sections(node, donor)).contains("Social Support Program").doesNotContain("Awareness and Training Program");
            String export = iati(node, donor);
            assertThat(export).contains("-social<").doesNotContain("awareness").doesNotContain("Awareness");
            assertThat(node.get("/api/v1/indicators/awareness.participants/values?period=2015-08", donor).status()).isEqualTo(403);
        }
    }

    private static String agreement(String token, String programs) {
        return "principals:\n  - name: reload-donor\n    role: donor\n    token_sha256: "
                + org.tonle.host.auth.AccessControl.sha256Hex(token) + "\n    programs: " + programs + "\n";
    }

    private static String iati(TestNode node, String token) {
        TestNode.Response export = node.send("GET", "/api/v1/exports/iati?year=2015", token, null, null, "application/xml");
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        return export.body();
    }

    /** The programme headings of August 2015's report, in order, as the caller reads it. */
    private static java.util.List<String> sections(TestNode node, String token) {
        TestNode.Response report = node.send("GET", "/api/v1/reports/2015-08", token, null, null, "text/markdown");
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        return report.body().lines().filter(line -> line.startsWith("## ")).map(line -> line.substring(3).strip()).toList();
    }

    @Test
    void aBrokenEditKeepsTheLastGoodDeploymentsAndSaysSo(@TempDir Path root) throws Exception {
        try (TestNode node = TestNode.start(root, "SRP")) {
            Path srp = node.config().resolve("deployments/SRP.yaml");
            Files.writeString(srp, "programs: [legal, social, investigation, awareness\n");
            Waiting.until("the deployment changes", Duration.ofSeconds(10), () -> "error".equals(node.get("/api/v1/status").json().path("deployments").path("state").asText()));
            JsonNode status = node.get("/api/v1/status").json().path("deployments");
            assertThat(status.path("error").asText()).contains("SRP.yaml").contains("last good deployments stay in force");
            assertThat(state(node, "investigation")).isEqualTo("active");
            assertThat(state(node, "awareness")).isEqualTo("not_deployed");
            String meeting = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"investigation\",\"type\":\"stakeholder_meeting\","
                    + "\"office\":\"SRP\",\"date\":\"2015-08-04\"}";
            assertThat(node.post("/api/v1/activities", meeting).json().path("accepted").asInt()).isEqualTo(1);

            Files.writeString(srp, "programs: [legal, social, investigation, awareness]\n");
            Waiting.until("the deployment changes", Duration.ofSeconds(10), () -> "active".equals(state(node, "awareness")));
            assertThat(node.get("/api/v1/status").json().path("deployments").path("state").asText()).isEqualTo("ok");
        }
    }

    static String training() {
        return "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"awareness\",\"type\":\"training\",\"office\":\"SRP\","
                + "\"date\":\"2015-08-04\",\"participants\":[{\"group\":\"student\",\"sex\":\"F\",\"count\":4}]}";
    }

    static JsonNode programme(TestNode node, String id) {
        for (JsonNode p : node.get("/api/v1/programs").json()) {
            if (p.path("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("programme " + id + " is not listed");
    }

    static String state(TestNode node, String id) {
        return programme(node, id).path("state").asText();
    }

}

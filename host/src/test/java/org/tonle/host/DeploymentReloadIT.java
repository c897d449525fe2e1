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

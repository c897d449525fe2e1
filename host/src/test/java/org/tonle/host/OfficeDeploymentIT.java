package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.ConfigException;

/**
 * {@code serve --office SRP}: Siem Reap's deployment (config/deployments/SRP.yaml) names legal,
 * social and investigation, so the node runs those three; awareness stays installed but idle,
 * and its records are refused with a reason that says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OfficeDeploymentIT {

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) {
        node = TestNode.start(root, "SRP");
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void onlyTheOfficesProgrammesAreLive() {
        assertThat(node.node().registry().programmes()).extracting(p -> p.id()).containsExactly("investigation", "legal", "social");
        for (JsonNode p : node.get("/api/v1/programs").json()) {
            String expected = p.path("id").asText().equals("awareness") ? "not_deployed" : "active";
            assertThat(p.path("state").asText()).as(p.toString()).isEqualTo(expected);
            if (expected.equals("active")) {
                assertThat(p.path("offices").toString()).isEqualTo("[\"SRP\"]");
            } else {
                assertThat(p.path("error").asText()).contains("'awareness' is not in the deployment of this node's offices");
            }
        }
    }

    @Test
    void aRecordForAProgrammeTheOfficeDoesNotRunIsRejectedWithTheReason() {
        String training = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"awareness\",\"type\":\"training\",\"office\":\"SRP\","
                + "\"date\":\"2015-08-04\",\"participants\":[{\"group\":\"student\",\"sex\":\"F\",\"count\":4}]}";
        JsonNode rejected = node.post("/api/v1/activities", training).json().path("rejected");
        assertThat(rejected).hasSize(2);
        assertThat(rejected.get(0).path("field").asText()).isEqualTo("program");
        assertThat(rejected.get(0).path("reason").asText()).contains("programme 'awareness' is not deployed on this node");
        assertThat(rejected.get(1).path("rule").asText()).isEqualTo("not_deployed");
        assertThat(rejected.get(1).path("reason").asText()).isEqualTo("office SRP does not run the awareness programme");

        String meeting = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"investigation\",\"type\":\"stakeholder_meeting\","
                + "\"office\":\"SRP\",\"date\":\"2015-08-04\"}";
        assertThat(node.post("/api/v1/activities", meeting).json().path("accepted").asInt()).isEqualTo(1);
        String elsewhere = meeting.replace("SRP", "PNH").replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"" + UUID.randomUUID() + "\"");
        JsonNode other = node.post("/api/v1/activities", elsewhere).json().path("rejected").get(0);
        assertThat(other.path("rule").asText()).isEqualTo("unknown_office");
    }

    @Test
    void anUnknownOfficeIsRefusedAtStart(@TempDir Path root) {
        Assertions.assertThatThrownBy(() -> TestNode.start(root, "KEP"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--office KEP is not configured");
    }
}

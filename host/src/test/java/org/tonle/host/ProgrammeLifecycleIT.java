package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

/** Stopping a bundle withdraws its programme; data survives bundles and restarts; the key guards the warehouse. */
class ProgrammeLifecycleIT {

    static final String CLIENT = """
            {"id": "%s", "program": "social", "type": "client_contact", "office": "PNH", "date": "2015-08-03",
             "subject": {"ref": "PNH-C-%s", "role": "client", "sex": "F", "age": 12}}""";

    @TempDir
    Path root;

    static Bundle bundle(TestNode node, String symbolicName) {
        for (Bundle b : node.node().osgi().bundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    static long clients(TestNode node) {
        return node.get("/api/v1/indicators/social.clients_met/values?period=2015-08").json().path("rows").get(0).path("value").asLong();
    }

    @Test
    void stoppingABundleWithdrawsItsProgrammeAndKeepsItsData() throws Exception {
        try (TestNode node = TestNode.start(root)) {
            assertThat(node.post("/api/v1/activities", CLIENT.formatted(UUID.randomUUID(), "1")).json().path("accepted").asInt()).isEqualTo(1);
            Bundle social = bundle(node, "tonle-programme-social");

            social.stop();
            JsonNode programs = node.get("/api/v1/programs").json();
            assertThat(programs.findValuesAsText("id")).doesNotContain("social").contains("legal");
            assertThat(node.get("/api/v1/indicators/social.clients_met/values?period=2015-08").status()).isEqualTo(404);
            JsonNode refused = node.post("/api/v1/activities", CLIENT.formatted(UUID.randomUUID(), "2")).json();
            assertThat(refused.path("accepted").asInt()).isZero();
            assertThat(refused.path("rejected").get(0).path("rule").asText()).isEqualTo("unknown_program");

            social.start();
            assertThat(clients(node)).isEqualTo(1);
        }
    }

    /**
     * The start records its programmes once, when they are all live (docs/PERFORMANCE.md, "Start to
     * healthy", ninth pass); after that each change is recorded as it comes: a withdrawn programme
     * keeps its row as it was, the others are seen again, and it is seen again when it returns.
     */
    @Test
    void theProgrammesViewFollowsTheBundlesOnceTheNodeHasStarted() throws Exception {
        try (TestNode node = TestNode.start(root)) {
            Map<String, Timestamp> started = lastSeen(node);
            assertThat(started).containsOnlyKeys("awareness", "investigation", "legal", "social");
            Bundle social = bundle(node, "tonle-programme-social");

            social.stop();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lastSeen(node).get("legal")).isAfter(started.get("legal")));
            Map<String, Timestamp> withdrawn = lastSeen(node);
            assertThat(withdrawn.get("social")).isEqualTo(started.get("social"));

            social.start();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lastSeen(node).get("social")).isAfter(withdrawn.get("social")));
        }
    }

    /** The analytics view {@code programmes}: each programme the node has seen and when it last saw it deployed. */
    private static Map<String, Timestamp> lastSeen(TestNode node) throws SQLException {
        Map<String, Timestamp> seen = new HashMap<>();
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, last_seen FROM programmes")) {
            while (rs.next()) {
                seen.put(rs.getString(1), rs.getTimestamp(2));
            }
        }
        return seen;
    }

    @Test
    void dataSurvivesARestart() {
        try (TestNode node = TestNode.start(root)) {
            for (int i = 0; i < 5; i++) {
                node.post("/api/v1/activities", CLIENT.formatted(UUID.randomUUID(), String.valueOf(i)));
            }
            assertThat(clients(node)).isEqualTo(5);
            node.restart();
            assertThat(clients(node)).isEqualTo(5);
        }
    }

    @Test
    void aNodeRefusesToStartWithoutTheKeyItsWarehouseWasBuiltWith() throws Exception {
        try (TestNode node = TestNode.start(root)) {
            node.post("/api/v1/activities", CLIENT.formatted(UUID.randomUUID(), "1"));
        }
        Path key = root.resolve("data/secrets/subject-key");
        assertThat(Files.getPosixFilePermissions(key)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        Path saved = root.resolve("saved-key");
        Files.move(key, saved);
        assertThatThrownBy(() -> TestNode.start(root)).hasMessageContaining("is missing").hasMessageContaining("Restore the key");
        Files.writeString(key, Base64.getEncoder().encodeToString(new byte[32]));
        assertThatThrownBy(() -> TestNode.start(root)).hasMessageContaining("is not the key");
        Files.move(saved, key, StandardCopyOption.REPLACE_EXISTING);
        try (TestNode node = TestNode.start(root)) {
            assertThat(clients(node)).isEqualTo(1);
        }
    }
}

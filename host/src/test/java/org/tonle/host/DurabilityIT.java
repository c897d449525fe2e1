package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledgement only after commit, proven the hard way: the packaged server runs as a child
 * process, takes a large import in batches, and is killed with SIGKILL at random moments. After
 * each restart every batch it acknowledged must come back as duplicates (so it is stored), and
 * in the end re-sending everything stores nothing twice.
 */
class DurabilityIT {

    static final int RECORDS = 20_000;
    static final int BATCH = 500;
    static final int KILLS = 3;
    static final String TOKEN = "durability-admin-token";
    static final ObjectMapper JSON = new ObjectMapper();

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void everyAcknowledgedRecordSurvivesSigkillAndNothingIsCountedTwice(@TempDir Path root) throws Exception {
        Path config = root.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        Path data = root.resolve("data");
        List<String> batches = batches();
        boolean[] acknowledged = new boolean[batches.size()];
        Random random = new Random(42);

        for (int round = 0; round < KILLS; round++) {
            ChildNode server = start(config, data, root.resolve("server-" + round + ".log"));
            try {
                // What the previous, killed, server acknowledged is stored.
                for (int b = 0; b < batches.size(); b++) {
                    if (acknowledged[b]) {
                        JsonNode again = post(server, batches.get(b));
                        assertThat(again.path("duplicates").asInt()).as("batch %d after kill %d", b, round).isEqualTo(BATCH);
                    }
                }
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger acknowledgedNow = new AtomicInteger();
                Thread sender = new Thread(() -> {
                    for (int b = 0; b < batches.size() && !stop.get(); b++) {
                        if (acknowledged[b]) {
                            continue;
                        }
                        try {
                            JsonNode answer = post(server, batches.get(b));
                            if (answer.path("accepted").asInt() + answer.path("duplicates").asInt() == BATCH) {
                                acknowledged[b] = true;
                                acknowledgedNow.incrementAndGet();
                            }
                        } catch (IOException | InterruptedException | RuntimeException e) {
                            return; // the server died under us: this batch was not acknowledged
                        }
                    }
                });
                sender.start();
                // Kill at a random moment once a few batches are acknowledged, mostly mid-commit.
                int target = 1 + random.nextInt(6);
                while (acknowledgedNow.get() < target && sender.isAlive()) {
                    Thread.sleep(5);
                }
                Thread.sleep(random.nextInt(150));
                server.kill();
                sender.join();
            } finally {
                server.kill();
            }
        }

        ChildNode server = start(config, data, root.resolve("server-final.log"));
        long accepted = 0;
        long duplicates = 0;
        long cases;
        int wereAcknowledged = 0;
        try {
            for (int b = 0; b < batches.size(); b++) {
                JsonNode answer = post(server, batches.get(b));
                if (acknowledged[b]) {
                    wereAcknowledged++;
                    assertThat(answer.path("duplicates").asInt()).isEqualTo(BATCH);
                }
                assertThat(answer.path("rejected")).isEmpty();
                accepted += answer.path("accepted").asInt();
                duplicates += answer.path("duplicates").asInt();
            }
            assertThat(accepted + duplicates).isEqualTo(RECORDS);
            // Everything is in now; once more must add nothing.
            long again = 0;
            for (String batch : batches) {
                again += post(server, batch).path("duplicates").asInt();
            }
            assertThat(again).isEqualTo(RECORDS);
            cases = get(server, "/api/v1/indicators/investigation.cases_received/values?period=2015").path("rows").get(0).path("value").asLong();
        } finally {
            server.stop(Duration.ofSeconds(30));
        }
        if (System.getProperty("durability.keep") != null) {
            TestNode.copy(data, Path.of(System.getProperty("durability.keep")));
            Files.writeString(Path.of(System.getProperty("durability.keep"), "acknowledged.txt"), Arrays.toString(acknowledged));
        }
        assertThat(cases).as("records in the figures").isEqualTo(RECORDS);
        assertThat(wereAcknowledged).as("the kills left acknowledged batches to check").isPositive();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + data.resolve("tonle.duckdb"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT record_id) FROM record_version")) {
            rs.next();
            assertThat(rs.getLong(1)).as("versions").isEqualTo(RECORDS);
            assertThat(rs.getLong(2)).as("records").isEqualTo(RECORDS);
        }
    }

    static List<String> batches() {
        List<String> batches = new ArrayList<>();
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            UUID id = UUID.nameUUIDFromBytes(("durable-" + i).getBytes(StandardCharsets.UTF_8));
            batch.append("{\"id\":\"").append(id).append("\",\"program\":\"investigation\",\"type\":\"case_intake\",\"office\":\"")
                    .append(i % 2 == 0 ? "PNH" : "SRP").append("\",\"date\":\"").append(LocalDate.of(2015, 1, 1).plusDays(i % 365))
                    .append("\",\"attributes\":{\"channel\":\"hotline\"}}\n");
            if ((i + 1) % BATCH == 0) {
                batches.add(batch.toString());
                batch.setLength(0);
            }
        }
        return batches;
    }

    JsonNode post(ChildNode server, String ndjson) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/activities"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/x-ndjson")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IOException("status " + answer.statusCode() + ": " + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    JsonNode get(ChildNode server, String path) throws IOException, InterruptedException {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(server.url + path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The packaged server as a child process ({@code java -jar host/target/tonle-host.jar serve}). */
    static ChildNode start(Path config, Path data, Path log) throws Exception {
        ChildNode server = ChildNode.start(ChildNode.jar(List.of()), config, data, log, Map.of("TONLE_ADMIN_TOKEN", TOKEN), Duration.ofSeconds(90));
        // Say so when the start had to set facts right after the kill (see RecordStore.reconcile).
        Files.readAllLines(log).stream().filter(l -> l.contains("out of step")).forEach(System.out::println);
        return server;
    }
}

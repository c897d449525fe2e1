package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;

/**
 * The indicator cube across restarts of the packaged server: after a clean stop the cube comes
 * back from its file and answers as before; after records committed and a SIGKILL before the
 * next persist, the file no longer matches the warehouse's state and nothing of it comes back:
 * the cube is rebuilt and the answer includes them. Every answer is
 * compared with a plain count over the records the test sent (their newest versions).
 */
class CubeRestartIT {

    static final String QUERY = "/api/v1/indicators/social.clients_met/values?period=2015&by=office&by=sex";

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final Random random = new Random(11);
    /** Each record's newest version as sent: id -> office, sex, person ref, date. */
    final Map<UUID, String[]> records = new LinkedHashMap<>();

    @Test
    void theCubeComesBackAfterACleanStopAndIsRebuiltAfterACrash(@TempDir Path root) throws Exception {
        Path config = root.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        Path data = root.resolve("data");

        ChildNode server = DurabilityIT.start(config, data, root.resolve("first.log"));
        try {
            send(server, 400, false);
            assertThat(values(server)).isEqualTo(expected());
        } finally {
            server.stop(Duration.ofSeconds(30));
        }
        assertThat(data.resolve("indicator-cube.bin")).exists();

        Path second = root.resolve("second.log");
        server = DurabilityIT.start(config, data, second);
        try {
            assertThat(values(server)).as("restored").isEqualTo(expected());
            assertThat(Files.readString(second)).contains("slices restored")
                    .doesNotContain("social/client_contact built from the warehouse");
            // Commits the file never sees: new records and corrections, then SIGKILL.
            send(server, 150, true);
            assertThat(values(server)).isEqualTo(expected());
        } finally {
            server.kill();
        }

        Path third = root.resolve("third.log");
        server = DurabilityIT.start(config, data, third);
        try {
            assertThat(values(server)).as("after the crash").isEqualTo(expected());
            assertThat(Files.readString(third)).contains("it was not written from the warehouse as it is now")
                    .doesNotContain("slices restored").contains("social/client_contact built from the warehouse");
        } finally {
            server.stop(Duration.ofSeconds(30));
        }
    }

    private void send(ChildNode server, int count, boolean corrections) throws Exception {
        StringBuilder ndjson = new StringBuilder();
        List<UUID> known = List.copyOf(records.keySet());
        for (int i = 0; i < count; i++) {
            boolean correction = corrections && i % 3 == 0;
            UUID id = correction ? known.get(random.nextInt(known.size())) : UUID.randomUUID();
            String office = random.nextBoolean() ? "PNH" : "SRP";
            String sex = List.of("F", "M", "X").get(random.nextInt(3));
            String ref = "CUBE-" + random.nextInt(120);
            LocalDate date = LocalDate.of(2015, 1, 1).plusDays(random.nextInt(365));
            records.put(id, new String[] {office, sex, ref, date.toString()});
            String record = "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"" + office
                    + "\",\"date\":\"" + date + "\",\"subject\":{\"ref\":\"" + ref
                    + "\",\"role\":\"client\",\"sex\":\"" + sex + "\",\"age\":12},\"attributes\":{\"setting\":\"office\"}}";
            if (correction) {
                correct(server, id, record);
            } else {
                ndjson.append(record).append('\n');
            }
        }
        if (ndjson.length() > 0) {
            post(server, ndjson.toString());
        }
    }

    /**
     * Distinct persons per office and sex over the newest versions sent, each person under the sex
     * of their latest record of the year (by date, then record id; docs/INDICATORS.md).
     */
    private Map<List<String>, Long> expected() {
        Map<String, Map.Entry<UUID, String[]>> latest = new HashMap<>();
        records.entrySet().forEach(r -> latest.merge(r.getValue()[2], r, (a, b) -> {
            int byDate = a.getValue()[3].compareTo(b.getValue()[3]);
            return byDate != 0 ? (byDate > 0 ? a : b) : (a.getKey().toString().compareTo(b.getKey().toString()) > 0 ? a : b);
        }));
        Map<List<String>, Set<String>> persons = new HashMap<>();
        records.values().forEach(r -> persons.computeIfAbsent(List.of(r[0], latest.get(r[2]).getValue()[1]), k -> new HashSet<>()).add(r[2]));
        Map<List<String>, Long> expected = new HashMap<>();
        persons.forEach((key, set) -> expected.put(key, (long) set.size()));
        return expected;
    }

    private Map<List<String>, Long> values(ChildNode server) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(server.url + QUERY))
                .header("Authorization", "Bearer " + DurabilityIT.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        Map<List<String>, Long> values = new HashMap<>();
        for (JsonNode row : Json.MAPPER.readTree(answer.body()).path("rows")) {
            if (row.path("value").asLong() != 0) {
                values.put(List.of(row.path("office").asText(), row.path("sex").asText()), row.path("value").asLong());
            }
        }
        return values;
    }

    private void correct(ChildNode server, UUID id, String record) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/activities/" + id))
                .header("Authorization", "Bearer " + DurabilityIT.TOKEN).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(record)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(answer.body()).path("rejected")).as(answer.body()).isEmpty();
    }

    private void post(ChildNode server, String ndjson) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/activities"))
                .header("Authorization", "Bearer " + DurabilityIT.TOKEN).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(answer.body()).path("rejected")).as(answer.body()).isEmpty();
    }
}

package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The indicator API over HTTP on a real node: freshness after commits, corrections and voids,
 * exact distinct persons over months, quarters and ranges, cross-tabs with zero rows, targets,
 * the three output formats, the analytics endpoint and the answers to bad parameters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IndicatorsApiIT {

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) {
        node = TestNode.start(root);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    private String contact(String id, String ref, String sex, String date, String office) {
        return "{\"id\":\"" + id + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"" + office
                + "\",\"date\":\"" + date + "\",\"subject\":{\"ref\":\"" + ref + "\",\"role\":\"client\",\"sex\":\"" + sex + "\",\"age\":12}}";
    }

    private JsonNode values(String query) {
        TestNode.Response r = node.get("/api/v1/indicators/social.clients_met/values?" + query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private List<Long> column(JsonNode body) {
        List<Long> values = new ArrayList<>();
        body.path("rows").forEach(row -> values.add(row.path("value").asLong()));
        return values;
    }

    @Test
    void aCommittedRecordShowsInTheNextQueryAndCorrectionsAndVoidsToo() {
        // Warm the cube first, so that what follows comes from commits, not from a rebuild.
        assertThat(column(values("period=2017-03"))).containsExactly(0L);
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        assertThat(node.post("/api/v1/activities", "[" + contact(a, "FRESH-1", "F", "2017-03-02", "PNH") + ","
                + contact(b, "FRESH-1", "F", "2017-04-20", "PNH") + "]").status()).isEqualTo(200);
        // One person in March and April: one in each month, and one (not two) over the quarter.
        assertThat(column(values("period=2017-03..2017-05"))).containsExactly(1L, 1L, 0L);
        assertThat(column(values("period=2017-Q1&period=2017-Q2&period=2017"))).containsExactly(1L, 1L, 1L);

        // A correction moves the April record to a man in Siem Reap.
        TestNode.Response put = node.send("PUT", "/api/v1/activities/" + b, TestNode.ADMIN_TOKEN, "application/json",
                contact(b, "FRESH-2", "M", "2017-04-20", "SRP"), "application/json");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        JsonNode bySex = values("period=2017&by=office,sex");
        assertThat(bySex.path("rows")).hasSize(3 * 4);
        assertThat(bySex.path("rows").toString())
                .contains("{\"period\":\"2017\",\"office\":\"PNH\",\"sex\":\"F\",\"value\":1,\"suppressed\":false,\"revision\":\"current\"}")
                .contains("{\"period\":\"2017\",\"office\":\"SRP\",\"sex\":\"M\",\"value\":1,\"suppressed\":false,\"revision\":\"current\"}")
                .contains("{\"period\":\"2017\",\"office\":\"SHV\",\"sex\":\"X\",\"value\":0,\"suppressed\":false,\"revision\":\"current\"}");
        assertThat(column(values("period=2017"))).containsExactly(2L);

        assertThat(node.send("DELETE", "/api/v1/activities/" + a, TestNode.ADMIN_TOKEN, null, null, "application/json").status())
                .isIn(200, 204);
        assertThat(column(values("period=2017-Q1..2017-Q2"))).containsExactly(0L, 1L);
    }

    @Test
    void underConcurrentWritesEveryClientSeesItsAcknowledgedWritesInItsNextQuery() throws Exception {
        // The cube applies commits on its own thread after the writer acknowledged them; each
        // client writes new persons into a month of its own, and each query right after a write
        // must count every write of that client so far, exactly, while the others keep writing.
        assertThat(column(values("period=2019-01..2019-04"))).containsExactly(0L, 0L, 0L, 0L);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 1; c <= 4; c++) {
                String month = "2019-0" + c;
                done.add(clients.submit(() -> {
                    for (int i = 1; i <= 30; i++) {
                        String record = contact(UUID.randomUUID().toString(), "RYW-" + month + "-" + i, "F", month + "-10", "PNH");
                        assertThat(node.post("/api/v1/activities", "[" + record + "]").status()).isEqualTo(200);
                        assertThat(column(values("period=" + month))).as("%s after write %d", month, i).containsExactly((long) i);
                    }
                    return null;
                }));
            }
            for (Future<?> client : done) {
                client.get(120, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(column(values("period=2019-01..2019-04"))).containsExactly(30L, 30L, 30L, 30L);
    }

    @Test
    void csvAndArrowCarryTheSameTable() throws Exception {
        node.post("/api/v1/activities", contact(UUID.randomUUID().toString(), "CSV-1", "F", "2018-01-05", "SHV"));
        TestNode.Response csv = node.send("GET", "/api/v1/indicators/social.clients_met/values?period=2018-01&by=sex",
                TestNode.ADMIN_TOKEN, null, null, "text/csv");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.body().lines().toList()).containsExactly("period,sex,value,suppressed,revision", "2018-01,F,1,false,current",
                "2018-01,M,0,false,current", "2018-01,X,0,false,current", "2018-01,U,0,false,current");

        HttpResponse<byte[]> arrow = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.url()
                        + "/api/v1/analytics?indicator=social.clients_met&indicator=social.medical_exams&period=2018-01&by=office"))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN)
                .header("Accept", "application/vnd.apache.arrow.stream").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(arrow.statusCode()).isEqualTo(200);
        try (RootAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(arrow.body()), allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertThat(reader.loadNextBatch()).isTrue();
            assertThat(root.getSchema().getFields()).extracting(f -> f.getName())
                    .containsExactly("indicator", "period", "office", "value", "suppressed", "revision");
            assertThat(root.getRowCount()).isEqualTo(2 * 3);
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < root.getRowCount(); i++) {
                rows.add(root.getVector("indicator").getObject(i) + " " + root.getVector("office").getObject(i) + " "
                        + root.getVector("value").getObject(i));
            }
            assertThat(rows).contains("social.clients_met SHV 1", "social.clients_met PNH 0", "social.medical_exams SHV 0");
        }
    }

    @Test
    void analyticsGivesHeadersRowsAndNames() {
        TestNode.Response r = node.get("/api/v1/analytics?indicator=social.clients_met&indicator=legal.court_represented"
                + "&period=2015-06..2015-08&by=office,sex");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode body = r.json();
        List<String> headers = new ArrayList<>();
        body.path("headers").forEach(h -> headers.add(h.path("name").asText()));
        assertThat(headers).containsExactly("indicator", "period", "office", "sex", "value", "suppressed", "revision");
        assertThat(body.path("height").asInt()).isEqualTo(2 * 3 * 3 * 4);
        assertThat(body.path("rows").get(0).get(0).asText()).isEqualTo("social.clients_met");
        JsonNode items = body.path("metaData").path("items");
        assertThat(items.path("PNH").path("name").asText()).isEqualTo("Phnom Penh");
        assertThat(items.path("F").path("name").asText()).isEqualTo("Female");
        assertThat(items.path("2015-08").path("name").asText()).isEqualTo("August 2015");
        assertThat(items.path("legal.court_represented").path("unit").asText()).isEqualTo("persons");
        assertThat(body.path("metaData").path("dimensions").path("period")).hasSize(3);
    }

    @Test
    void yearlyTargetsAndAchievement() {
        JsonNode body = values("period=2015&period=2015-Q3");
        JsonNode targets = body.path("targets");
        assertThat(targets).hasSize(2);
        assertThat(targets.get(0).path("target").asDouble()).isEqualTo(1800.0);
        assertThat(targets.get(0).path("baseline").asDouble()).isEqualTo(1500.0);
        long value = body.path("rows").get(0).path("value").asLong();
        assertThat(targets.get(0).path("value").asLong()).isEqualTo(value);
        assertThat(targets.get(0).path("achievement").asDouble()).isEqualTo(Math.round(value / 1800.0 * 1000) / 10.0);
        assertThat(targets.get(1).path("achievement").isNull()).isTrue();
    }

    @Test
    void monthsQuartersAndOfficesHaveTargetsOfTheirOwn() {
        // config/targets.yaml: 150 for 2015-08 (85 for PNH), none for the quarter, 1800 for the year
        // (1000 for PNH).
        JsonNode body = values("period=2015-08&period=2015-Q3&period=2015-06");
        JsonNode targets = body.path("targets");
        assertThat(targets).hasSize(3);
        JsonNode august = targets.get(0);
        assertThat(august.path("target_period").asText()).isEqualTo("2015-08");
        assertThat(august.path("target").asDouble()).isEqualTo(150.0);
        long augustValue = body.path("rows").get(0).path("value").asLong();
        assertThat(august.path("achievement").asDouble()).isEqualTo(Math.round(augustValue / 150.0 * 1000) / 10.0);
        // Without a target of its own, a period shows its year's plan, without an achievement.
        for (JsonNode around : List.of(targets.get(1), targets.get(2))) {
            assertThat(around.path("target_period").asText()).isEqualTo("2015");
            assertThat(around.path("target").asDouble()).isEqualTo(1800.0);
            assertThat(around.path("achievement").isNull()).isTrue();
        }

        JsonNode pnh = values("period=2015-08&period=2015&office=PNH");
        assertThat(pnh.path("targets").get(0).path("office").asText()).isEqualTo("PNH");
        assertThat(pnh.path("targets").get(0).path("target").asDouble()).isEqualTo(85.0);
        assertThat(pnh.path("targets").get(1).path("target").asDouble()).isEqualTo(1000.0);
        assertThat(pnh.path("targets").get(1).path("achievement").asDouble())
                .isEqualTo(Math.round(pnh.path("rows").get(1).path("value").asLong() / 1000.0 * 1000) / 10.0);
        // An office with no target of its own for a period has none: the organisation's is not its.
        JsonNode srp = values("period=2015-08&office=SRP");
        assertThat(srp.path("targets").get(0).path("target_period").asText()).isEqualTo("2015");
        assertThat(srp.path("targets").get(0).path("target").asDouble()).isEqualTo(400.0);
    }

    @Test
    void anEditedTargetsFileIsAnsweredWithoutARestart() throws Exception {
        Path file = node.config().resolve("targets.yaml");
        String written = Files.readString(file);
        try {
            replace(file, written.replace("2015: {target: 1800,", "2015: {target: 1900,"));
            Waiting.until("the edited year target answered", () ->
                    values("period=2015").path("targets").get(0).path("target").asDouble() == 1900.0);

            // A broken edit (a negative target) is refused; the targets read before stay.
            replace(file, written.replace("2015: {target: 1800,", "2015: {target: -1,"));
            Thread.sleep(50);
            assertThat(values("period=2015").path("targets").get(0).path("target").asDouble()).isEqualTo(1900.0);
        } finally {
            replace(file, written);
            Waiting.until("the written targets back", () ->
                    values("period=2015").path("targets").get(0).path("target").asDouble() == 1800.0);
        }
    }

    /** As an editor saves: written beside, then moved over. */
    private static void replace(Path file, String text) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".saving");
        Files.writeString(next, text);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void badParametersAreNamed() {
        TestNode.Response unknown = node.get("/api/v1/indicators/social.nothing/values?period=2015");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");

        TestNode.Response period = node.get("/api/v1/indicators/social.clients_met/values?period=2015-13");
        assertThat(period.status()).isEqualTo(400);
        assertThat(period.json().path("detail").asText()).contains("period", "2015-13", "2015-Q3");

        TestNode.Response by = node.get("/api/v1/indicators/social.clients_met/values?period=2015&by=channel");
        assertThat(by.status()).isEqualTo(400);
        assertThat(by.json().path("detail").asText()).contains("by", "channel", "office, sex, age_band, role");

        TestNode.Response mixed = node.get("/api/v1/analytics?indicator=social.clients_met&indicator=investigation.cases_received"
                + "&period=2015&by=sex");
        assertThat(mixed.status()).isEqualTo(400);
        assertThat(mixed.json().path("detail").asText()).contains("investigation.cases_received", "allowed: office, channel");

        TestNode.Response none = node.get("/api/v1/analytics?period=2015");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.json().path("detail").asText()).contains("indicator");
    }
}

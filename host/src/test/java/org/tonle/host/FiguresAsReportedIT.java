package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures as reported in every form (DESIGN.md 9.3): the revision column of CSV, Arrow and xlsx
 * answers and of /api/v1/analytics; a quarter whose months are all approved answered from
 * approved figures (additive measures as the sums of the months' approved cells), staying so
 * through a reopen and a late record until re-approval; a year not fully approved current.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FiguresAsReportedIT {

    static final String DONOR = "figures-donor";

    TestNode node;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), "principals:\n"
                + PeriodsIT.principal("donor-sa", "donor", DONOR, "programs: [social, awareness]"));
        node = TestNode.start(root);
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null).status()).isEqualTo(200);
        for (String month : List.of("2015-07", "2015-08", "2015-09")) {
            assertThat(post("/api/v1/periods/" + month + "/submit", "{\"programs\":[\"social\",\"awareness\"]}").status()).isEqualTo(200);
            TestNode.Response approved = post("/api/v1/periods/" + month + "/approve", "{\"programs\":[\"social\",\"awareness\"]}");
            assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        }
    }

    @AfterAll
    void stop() {
        node.close();
    }

    TestNode.Response post(String path, String body) {
        return node.send("POST", path, TestNode.ADMIN_TOKEN, "application/json", body, "application/json");
    }

    JsonNode rows(String query, String token) {
        TestNode.Response answer = node.get("/api/v1/indicators/" + query, token);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("rows");
    }

    HttpResponse<byte[]> download(String path, String token, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.url() + path)).header("Authorization", "Bearer " + token)
                .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void csvArrowAndXlsxCarryTheRevision() throws Exception {
        String path = "/api/v1/indicators/social.clients_met/values?period=2015-08&period=2015-06";
        String donorCsv = new String(download(path, DONOR, "text/csv").body());
        List<String> lines = donorCsv.lines().toList();
        assertThat(lines).hasSize(3).startsWith("period,value,suppressed,revision").contains("2015-08,146,false,approved");
        // June was never approved: a donor is given no figure of it (docs/ACCESS.md, answers at two times).
        assertThat(lines).contains("2015-06,,true,unapproved");
        assertThat(new String(download(path, TestNode.ADMIN_TOKEN, "text/csv").body()).lines().toList())
                .contains("2015-08,146,false,current");
        assertThat(new String(download(path + "&revision=approved", TestNode.ADMIN_TOKEN, "text/csv").body()).lines().toList())
                .contains("2015-08,146,false,approved");

        try (RootAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(
                     download(path, DONOR, "application/vnd.apache.arrow.stream").body()), allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertThat(reader.loadNextBatch()).isTrue();
            assertThat(root.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("period", "value", "suppressed", "revision");
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < root.getRowCount(); i++) {
                seen.add(root.getVector("period").getObject(i) + " " + root.getVector("revision").getObject(i));
            }
            assertThat(seen).containsExactlyInAnyOrder("2015-08 approved", "2015-06 unapproved");
        }

        HttpResponse<byte[]> xlsx = download(path, DONOR, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assertThat(xlsx.statusCode()).isEqualTo(200);
        try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(xlsx.body()))) {
            Sheet sheet = workbook.getSheetAt(0);
            List<String> header = new ArrayList<>();
            sheet.getRow(0).forEach(c -> header.add(c.getStringCellValue()));
            assertThat(header).containsExactly("period", "value", "suppressed", "revision");
            List<String> seen = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                Row row = sheet.getRow(i);
                seen.add(row.getCell(0).getStringCellValue() + " " + row.getCell(3).getStringCellValue());
            }
            assertThat(seen).containsExactlyInAnyOrder("2015-08 approved", "2015-06 unapproved");
        }
    }

    @Test
    void analyticsCarriesTheRevision() {
        JsonNode donor = node.get("/api/v1/analytics?indicator=social.clients_met&indicator=awareness.participants&period=2015-08", DONOR).json();
        List<String> headers = new ArrayList<>();
        donor.path("headers").forEach(h -> headers.add(h.path("name").asText()));
        assertThat(headers).containsExactly("indicator", "period", "value", "suppressed", "revision");
        donor.path("rows").forEach(row -> assertThat(row.get(4).asText()).isEqualTo("approved"));
        assertThat(donor.path("rows").get(0).get(2).asLong()).isEqualTo(146);
        JsonNode admin = node.get("/api/v1/analytics?indicator=social.clients_met&period=2015-08").json();
        assertThat(admin.path("rows").get(0).get(4).asText()).isEqualTo("current");
        JsonNode asked = node.get("/api/v1/analytics?indicator=social.clients_met&period=2015-08&revision=approved").json();
        assertThat(asked.path("rows").get(0).get(4).asText()).isEqualTo("approved");
        assertThat(node.get("/api/v1/analytics?indicator=social.clients_met&period=2015-08&revision=latest").status()).isEqualTo(400);
        String csv = node.send("GET", "/api/v1/analytics?indicator=social.clients_met&period=2015-08", DONOR, null, null, "text/csv").body();
        assertThat(csv.lines().toList()).containsExactly("indicator,period,value,suppressed,revision", "social.clients_met,2015-08,146,false,approved");
    }

    @Test
    void aQuarterWhoseMonthsAreApprovedIsAnsweredFromApprovedFigures() {
        // Persons: the quarter's release frozen when its last month was approved.
        JsonNode quarter = rows("social.clients_met/values?period=2015-Q3", DONOR).get(0);
        assertThat(quarter.path("revision").asText()).isEqualTo("approved");
        long approvedQuarter = quarter.path("value").asLong();
        assertThat(approvedQuarter).isEqualTo(rows("social.clients_met/values?period=2015-Q3", TestNode.ADMIN_TOKEN).get(0).path("value").asLong());
        // A year not fully approved has no approved figures: current for others, none for a donor; a quarter
        // with an unapproved month too. Donors cannot ask for today's figures.
        assertThat(rows("social.clients_met/values?period=2015", TestNode.ADMIN_TOKEN).get(0).path("revision").asText()).isEqualTo("current");
        assertThat(rows("social.clients_met/values?period=2015&revision=approved", TestNode.ADMIN_TOKEN).get(0).path("revision").asText())
                .isEqualTo("current");
        JsonNode year = rows("social.clients_met/values?period=2015", DONOR).get(0);
        assertThat(year.path("revision").asText()).isEqualTo("unapproved");
        assertThat(year.path("value").isNull()).isTrue();
        assertThat(year.path("suppressed").asBoolean()).isTrue();
        assertThat(rows("social.clients_met/values?period=2015-Q2", DONOR).get(0).path("revision").asText()).isEqualTo("unapproved");
        assertThat(node.get("/api/v1/indicators/social.clients_met/values?period=2015-Q3&revision=current", DONOR).status()).isEqualTo(403);
        // A cross-tab asked in either order is the approved one.
        JsonNode sexByOffice = rows("social.clients_met/values?period=2015-08&by=sex,office", DONOR);
        assertThat(sexByOffice).hasSize(4 * 3).allMatch(row -> row.path("revision").asText().equals("approved"));
        assertThat(rows("social.clients_met/values?period=2015-Q3&revision=approved", DONOR).get(0).path("value").asLong())
                .isEqualTo(approvedQuarter);

        // Additive (participants): each quarter cell is the sum of the months' approved cells, hidden where a month's is.
        Map<String, Long> sum = new HashMap<>();
        Map<String, Boolean> hidden = new HashMap<>();
        for (String month : List.of("2015-07", "2015-08", "2015-09")) {
            for (JsonNode row : rows("awareness.participants/values?period=" + month + "&by=sex", DONOR)) {
                assertThat(row.path("revision").asText()).isEqualTo("approved");
                String sex = row.path("sex").asText();
                sum.merge(sex, row.path("value").asLong(), Long::sum);
                hidden.merge(sex, row.path("suppressed").asBoolean(), Boolean::logicalOr);
            }
        }
        JsonNode bySex = rows("awareness.participants/values?period=2015-Q3&by=sex", DONOR);
        assertThat(bySex).hasSize(4);
        for (JsonNode row : bySex) {
            String sex = row.path("sex").asText();
            assertThat(row.path("revision").asText()).isEqualTo("approved");
            assertThat(row.path("suppressed").asBoolean()).as(sex).isEqualTo(hidden.get(sex));
            if (!hidden.get(sex)) {
                assertThat(row.path("value").asLong()).as(sex).isEqualTo(sum.get(sex));
            }
        }
        assertThat(sum.get("F") + sum.get("M")).as("the seed's 80 participants in August, and July's").isGreaterThanOrEqualTo(80);

        // Reopened with a late record: the quarter stays as approved for the donor until re-approval.
        assertThat(post("/api/v1/periods/2015-09/reopen", "{\"reason\":\"a late intake\",\"offices\":[\"PNH\"],\"programs\":[\"social\"]}")
                .status()).isEqualTo(200);
        String late = "{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"PNH\","
                + "\"date\":\"2015-09-10\",\"subject\":{\"ref\":\"LATE-Q3-1\",\"role\":\"client\",\"sex\":\"F\",\"age\":12},"
                + "\"attributes\":{\"service\":\"counselling\",\"setting\":\"office\"}}";
        assertThat(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", late, null).json()
                .path("accepted").asInt()).isOne();
        assertThat(rows("social.clients_met/values?period=2015-Q3", DONOR).get(0).path("value").asLong()).isEqualTo(approvedQuarter);
        assertThat(rows("social.clients_met/values?period=2015-Q3", TestNode.ADMIN_TOKEN).get(0).path("value").asLong())
                .isEqualTo(approvedQuarter + 1);
        assertThat(post("/api/v1/periods/2015-09/submit", "{\"offices\":[\"PNH\"],\"programs\":[\"social\"]}").status()).isEqualTo(200);
        assertThat(post("/api/v1/periods/2015-09/approve", "{\"offices\":[\"PNH\"],\"programs\":[\"social\"]}").status()).isEqualTo(200);
        JsonNode reapproved = rows("social.clients_met/values?period=2015-Q3", DONOR).get(0);
        assertThat(reapproved.path("value").asLong()).isEqualTo(approvedQuarter + 1);
        assertThat(reapproved.path("revision").asText()).isEqualTo("approved");
    }
}

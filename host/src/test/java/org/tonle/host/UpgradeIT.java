package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tonle.core.Json;
import org.tonle.warehouse.Schema;
import org.tonle.warehouse.Warehouse;

/**
 * Upgrades end to end (DESIGN.md 9.6): a warehouse written by a node of an earlier release
 * (src/test/resources/org/tonle/host/upgrade, README there) is copied into a fresh data folder
 * with its pseudonymisation key, and a node of this release starts on it: the schema migrator
 * brings it up to date, and every figure and every analytics view is the one a node of this
 * release answers after ingesting the same records from scratch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpgradeIT {

    static final String FIXTURE = "upgrade/";
    /** The months of the demo data, the seed month, its quarter and the year, as the API writes them. */
    private static final List<String> PERIODS = List.of("2015-08", "2015-Q3", "2015", "2014-09..2015-08");

    TestNode upgraded;
    TestNode fresh;

    @BeforeAll
    void start(@TempDir Path earlier, @TempDir Path scratch) throws Exception {
        Path data = earlier.resolve("data");
        secrets(data);
        try (InputStream gz = new GZIPInputStream(fixture("tonle.duckdb.gz"))) {
            Files.copy(gz, data.resolve("tonle.duckdb"));
        }
        assertThat(applied(data.resolve("tonle.duckdb"))).as("the fixture predates a table migration of this release")
                .isNotEmpty().isSubsetOf(Warehouse.migrations()).hasSizeLessThan(Warehouse.migrations().size());
        upgraded = TestNode.start(earlier);

        secrets(scratch.resolve("data"));
        fresh = TestNode.start(scratch);
        String records;
        try (InputStream gz = new GZIPInputStream(fixture("records.ndjson.gz"))) {
            records = new String(gz.readAllBytes(), StandardCharsets.UTF_8);
        }
        TestNode.Response loaded = fresh.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", records, null);
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
        assertThat(loaded.json().path("rejected")).isEmpty();
        for (String line : new String(fixture("changes.ndjson").readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            JsonNode change = Json.MAPPER.readTree(line);
            String path = "/api/v1/activities/" + change.path("id").asText();
            TestNode.Response answer = change.path("method").asText().equals("PUT")
                    ? fresh.send("PUT", path, TestNode.ADMIN_TOKEN, "application/json", change.path("record").toString(), "application/json")
                    : fresh.send("DELETE", path, TestNode.ADMIN_TOKEN, null, null, "application/json");
            assertThat(answer.status()).as(line + ": " + answer.body()).isBetween(200, 204);
        }
    }

    @AfterAll
    void stop() {
        if (upgraded != null) {
            upgraded.close();
        }
        if (fresh != null) {
            fresh.close();
        }
    }

    @Test
    void theUpgradedWarehouseHasEveryMigrationOfThisReleaseAndTheRecordsOfTheEarlierOne() throws Exception {
        assertThat(query(upgraded, "SELECT name FROM schema_migration ORDER BY name"))
                .containsExactlyInAnyOrderElementsOf(Warehouse.migrations());
        assertThat(query(upgraded, "SELECT name FROM schema_view")).containsExactlyInAnyOrderElementsOf(Schema.analyticsViews());
        String versions = "SELECT action || ' ' || count(*) FROM record_version GROUP BY action ORDER BY action";
        assertThat(query(upgraded, versions)).containsExactly("correct 3", "create 1374", "void 2")
                .isEqualTo(query(fresh, versions));
    }

    @ParameterizedTest
    @CsvSource({
            "legal.counselled_victims_family, 27",
            "legal.counselled_witnesses, 1",
            "legal.court_represented, 9",
            "social.clients_met, 146",
            "social.medical_exams, 2",
            "investigation.stakeholder_meetings, 14",
            "investigation.cases_received, 27",
            "awareness.trainings, 3",
            "awareness.participants, 80"})
    void theSeedMonthsFiguresOfTheDesign(String code, long expected) {
        JsonNode rows = upgraded.get("/api/v1/indicators/" + code + "/values?period=2015-08").json().path("rows");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("value").asLong()).isEqualTo(expected);
        JsonNode bySex = upgraded.get("/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex").json().path("rows");
        assertThat(SeedFiguresIT.value(bySex, "sex", "F")).isEqualTo(82);
        assertThat(SeedFiguresIT.value(bySex, "sex", "M")).isEqualTo(64);
    }

    /**
     * Every indicator of the catalogue, over the seed month, its quarter, the year and the demo
     * data's twelve months one by one; whole, by each of its dimensions and for each office.
     */
    @Test
    void everyIndicatorFigureIsTheFreshNodesFigure() {
        JsonNode catalogue = upgraded.get("/api/v1/indicators").json().path("indicators");
        assertThat(catalogue).hasSizeGreaterThanOrEqualTo(9);
        assertThat(catalogue).isEqualTo(fresh.get("/api/v1/indicators").json().path("indicators"));
        int compared = 0;
        for (JsonNode indicator : catalogue) {
            List<String> queries = new ArrayList<>();
            for (String period : PERIODS) {
                queries.add("period=" + period);
                indicator.path("by").forEach(by -> queries.add("period=" + period + "&by=" + by.asText()));
                for (String office : List.of("PNH", "SRP", "SHV")) {
                    queries.add("period=" + period + "&office=" + office);
                }
            }
            for (String query : queries) {
                String path = "/api/v1/indicators/" + indicator.path("code").asText() + "/values?" + query;
                TestNode.Response answer = upgraded.get(path);
                TestNode.Response expected = fresh.get(path);
                // An office that does not run the programme is refused (400) by both alike.
                assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(expected.status()).isIn(200, 400);
                assertThat(answer.json()).as(path).isEqualTo(expected.json());
                compared += answer.status() == 200 ? 1 : 0;
            }
        }
        assertThat(compared).isGreaterThan(200);
        String analytics = "/api/v1/analytics?indicator=social.clients_met&indicator=legal.counselled_victims_family"
                + "&indicator=awareness.participants&period=2014-09..2015-08&by=office";
        assertThat(upgraded.get(analytics).json()).isEqualTo(fresh.get(analytics).json());
    }

    /** Every analytics view, row for row (as a count and a digest of its sorted rows), through the SQL endpoint. */
    @Test
    void everyAnalyticsViewIsTheFreshNodesView() {
        for (String view : Schema.analyticsViews()) {
            String digest = digestSql(view);
            JsonNode before = sql(upgraded, digest);
            assertThat(before).as(view).isEqualTo(sql(fresh, digest));
            if (!view.equals("calendar")) {
                assertThat(before.get(0).asLong()).as(view + " has rows").isPositive();
            }
        }
    }

    @Test
    void theMonthlyReportIsTheFreshNodesReport() {
        String path = "/api/v1/reports/monthly/2015-08";
        TestNode.Response before = upgraded.send("GET", path, TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(before.status()).as(before.body()).isEqualTo(200);
        assertThat(withoutGenerationLine(before.body())).contains("146")
                .isEqualTo(withoutGenerationLine(fresh.send("GET", path, TestNode.ADMIN_TOKEN, null, null, "text/markdown").body()));
    }

    /**
     * The key travelled with the warehouse: a person the earlier release recorded, recorded again
     * by this one, is the same person (the month's count stays); and the tables this release
     * added take writes (a period approved).
     */
    @Test
    void aPersonOfTheEarlierReleaseIsTheSamePersonAfterTheUpgrade() throws Exception {
        String client = """
                {"id":"%s","program":"social","type":"client_contact","office":"PNH","date":"2015-08-30",
                 "subject":{"ref":"%s","role":"client","sex":"F","age":12},"attributes":{"service":"counselling","setting":"office"}}""";
        String ref = augustClient();
        for (TestNode node : List.of(upgraded, fresh)) {
            TestNode.Response answer = node.post("/api/v1/activities", client.formatted("5c1e4a4e-3b7f-4d0e-9a55-000000000817", ref));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(node.get("/api/v1/indicators/social.clients_met/values?period=2015-08").json().path("rows").get(0).path("value").asLong())
                    .isEqualTo(146);
        }
        TestNode.Response submitted = upgraded.post("/api/v1/periods/2015-07/submit", "{}");
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
        TestNode.Response approved = upgraded.post("/api/v1/periods/2015-07/approve", "{}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(upgraded.get("/api/v1/periods/2015-07").json().path("cells").findValuesAsText("state")).isNotEmpty().containsOnly("approved");
    }

    /** The ref of a client the demo data met in August 2015 (the raw record file of the fixture). */
    private static String augustClient() throws IOException {
        try (InputStream gz = new GZIPInputStream(fixture("records.ndjson.gz"))) {
            for (String line : new String(gz.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                JsonNode r = Json.MAPPER.readTree(line);
                if (r.path("type").asText().equals("client_contact") && r.path("date").asText().startsWith("2015-08")
                        && r.path("office").asText().equals("PNH") && r.path("subject").path("sex").asText().equals("F")) {
                    return r.path("subject").path("ref").asText();
                }
            }
        }
        throw new AssertionError("no August client in the fixture's records");
    }

    /**
     * A count and an MD5 of the view's sorted rows (each row as the text of its struct), except
     * the programmes' last sighting, which is when each node last started.
     */
    private static String digestSql(String view) {
        String rows = view.equals("programmes") ? "(SELECT * EXCLUDE (last_seen) FROM programmes)" : view;
        return "SELECT count(*), md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR)), '')) FROM " + rows + " t";
    }

    private static JsonNode sql(TestNode node, String sql) {
        TestNode.Response answer = node.send("POST", "/api/v1/sql", TestNode.ADMIN_TOKEN, "application/json",
                Json.MAPPER.createObjectNode().put("sql", sql).toString(), "application/json");
        assertThat(answer.status()).as(sql + ": " + answer.body()).isEqualTo(200);
        return answer.json().path("rows").get(0);
    }

    private static String withoutGenerationLine(String report) {
        return report.lines().filter(l -> !l.toLowerCase().contains("generated")).reduce("", (a, b) -> a + b + "\n");
    }

    /** Reads the node's warehouse through its own connection (tables analysts do not see). */
    private static List<String> query(TestNode node, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /** The table migrations a warehouse file records, read without migrating it. */
    private static List<String> applied(Path file) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM schema_migration")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** A data folder with the fixture's test-only key where a node looks for it. */
    private static void secrets(Path data) throws IOException {
        Files.createDirectories(data.resolve("secrets"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(data.resolve("secrets"), PosixFilePermissions.fromString("rwx------"));
        Path key = data.resolve("secrets/subject-key");
        try (InputStream in = fixture("subject-key")) {
            Files.copy(in, key);
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    static InputStream fixture(String name) {
        InputStream in = UpgradeIT.class.getResourceAsStream(FIXTURE + name);
        if (in == null) {
            throw new UncheckedIOException(new IOException("missing test resource " + FIXTURE + name));
        }
        return in;
    }
}

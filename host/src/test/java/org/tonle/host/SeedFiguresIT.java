package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * End to end: the real host (Felix with the four bundles, Camel, DuckDB, HTTP) takes the demo
 * data over HTTP as NDJSON and answers every figure of the August 2015 report (DESIGN.md 7).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeedFiguresIT {

    TestNode node;
    JsonNode posted;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        node = TestNode.start(root);
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        posted = answer.json();
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void everyDemoRecordIsAccepted() throws Exception {
        long lines = Files.readAllLines(TestNode.repository().resolve("config/demo/demo-2015.ndjson")).stream()
                .filter(l -> !l.isBlank()).count();
        assertThat(posted.path("accepted").asLong()).isEqualTo(lines);
        assertThat(posted.path("rejected")).isEmpty();
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
    void seedFigure(String code, long expected) {
        TestNode.Response answer = node.get("/api/v1/indicators/" + code + "/values?period=2015-08");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode rows = answer.json().path("rows");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("period").asText()).isEqualTo("2015-08");
        assertThat(rows.get(0).path("value").asLong()).isEqualTo(expected);
    }

    @Test
    void clientsMetBySex() {
        JsonNode rows = node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex").json().path("rows");
        assertThat(rows).hasSize(4);
        assertThat(value(rows, "sex", "F")).isEqualTo(82);
        assertThat(value(rows, "sex", "M")).isEqualTo(64);
        assertThat(value(rows, "sex", "X")).isZero();
        assertThat(value(rows, "sex", "U")).isZero();
    }

    @Test
    void casesByChannelAndParticipantsByOffice() {
        JsonNode channels = node.get("/api/v1/indicators/investigation.cases_received/values?period=2015-08&by=channel").json().path("rows");
        assertThat(value(channels, "channel", "hotline") + value(channels, "channel", "email") + value(channels, "channel", "staff"))
                .isEqualTo(27);
        assertThat(value(channels, "channel", "web")).isZero();
        JsonNode offices = node.get("/api/v1/indicators/awareness.participants/values?period=2015-08&by=office").json().path("rows");
        assertThat(value(offices, "office", "PNH") + value(offices, "office", "SHV")).isEqualTo(80);
    }

    @Test
    void distinctPersonsOverAQuarterAreNotTheSumOfItsMonths() {
        long quarter = single("social.clients_met", "2015-Q3");
        long months = single("social.clients_met", "2015-07") + single("social.clients_met", "2015-08")
                + single("social.clients_met", "2015-09");
        assertThat(quarter).isGreaterThanOrEqualTo(146).isLessThan(months);
    }

    @Test
    void aSecondSendingIsAllDuplicates() throws Exception {
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        JsonNode again = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null).json();
        assertThat(again.path("accepted").asLong()).isZero();
        assertThat(again.path("duplicates").asLong()).isEqualTo(posted.path("accepted").asLong());
        assertThat(single("social.clients_met", "2015-08")).isEqualTo(146);
    }

    private long single(String code, String period) {
        return node.get("/api/v1/indicators/" + code + "/values?period=" + period).json().path("rows").get(0).path("value").asLong();
    }

    static long value(JsonNode rows, String dimension, String value) {
        for (JsonNode row : rows) {
            if (row.path(dimension).asText().equals(value)) {
                return row.path("value").asLong();
            }
        }
        throw new AssertionError("no row with " + dimension + "=" + value + " in " + rows);
    }
}

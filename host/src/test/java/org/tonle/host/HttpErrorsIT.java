package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad requests get a 4xx problem+json with a detail a person can act on; never a 5xx. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpErrorsIT {

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        Files.writeString(settings, Files.readString(settings).replace("max_body_bytes: 67108864", "max_body_bytes: 4096"));
        node = TestNode.start(root);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void healthNeedsNoToken() {
        TestNode.Response health = node.get("/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("ready");
        assertThat(node.get("/health/live", null).status()).isEqualTo(200);
    }

    @Test
    void apiCallsNeedAKnownBearerToken() {
        TestNode.Response none = node.get("/api/v1/programs", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(none.json().path("detail").asText()).contains("Bearer");
        TestNode.Response wrong = node.get("/api/v1/programs", "not-a-token");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().path("detail").asText()).isEqualTo("the bearer token is not known");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "POST | application/json     | '{\"id\": '                | 400 | not valid JSON",
            "POST | application/json     | '\"just text\"'            | 400 | JSON object or an array",
            "POST | application/json     | ''                         | 400 | empty",
            "POST | text/plain           | 'hello'                    | 415 | content type",
            "POST | application/xml      | '<a/>'                     | 415 | content type"})
    void badBodies(String method, String type, String body, int status, String detail) {
        TestNode.Response answer = node.send(method, "/api/v1/activities", TestNode.ADMIN_TOKEN, type, body, "application/json");
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.json().path("detail").asText()).contains(detail);
    }

    @Test
    void anOversizedBodyIs413() {
        String big = "[" + "{\"id\": \"x\"},".repeat(1000) + "{}]";
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/json", big, null);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().path("detail").asText()).contains("import");
    }

    @Test
    void aMalformedNdjsonLineIsRejectedOnItsOwn() {
        String body = "{\"id\": \n{\"id\": \"0f8fad5b-d9cb-469f-a165-70867728950e\", \"program\": \"social\"}\n";
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", body, null);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().path("rejected").get(0).path("rule").asText()).isEqualTo("malformed_json");
        assertThat(answer.json().path("rejected").get(0).path("line").asInt()).isEqualTo(1);
        assertThat(answer.json().path("rejected").findValuesAsText("line")).contains("2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/api/v1/indicators/social.nothing/values?period=2015-08         | 404 | social.nothing",
            "/api/v1/indicators/social.clients_met/values                    | 400 | period is required",
            "/api/v1/indicators/social.clients_met/values?period=2015-13     | 400 | 2015-Q3",
            "/api/v1/indicators/social.clients_met/values?period=2015-08&by=colour | 400 | allowed: office, sex, age_band, role",
            "/api/v1/indicators/investigation.stakeholder_meetings/values?period=2015&by=sex | 400 | allowed: office",
            "/api/v1/indicators/social.clients_met/values?period=2015-08&office=KPT | 400 | office",
            "/api/v1/nowhere                                                 | 404 | nothing at this address"})
    void badQueries(String path, int status, String detail) {
        TestNode.Response answer = node.get(path.trim());
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.json().path("detail").asText()).contains(detail);
    }

    @Test
    void aWrongMethodIs405() {
        TestNode.Response answer = node.send("DELETE", "/api/v1/programs", TestNode.ADMIN_TOKEN, null, null, null);
        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.contentType()).startsWith("application/problem+json");
    }
}

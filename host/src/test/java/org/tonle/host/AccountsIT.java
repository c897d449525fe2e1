package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tonle.core.Json;
import org.tonle.core.config.Role;
import org.tonle.host.auth.PasswordHash;
import org.tonle.host.auth.UserFile;
import org.tonle.host.cli.TonleCommand;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * People's accounts through HTTP on a real node (DESIGN.md section 9.4): sign-in, one 401 for an
 * unknown name and a wrong password, lock-out and its end, idle expiry, sign-out, the csrf token
 * on cookie-authenticated writes, bearer tokens unaffected, users managed by admins and by
 * themselves, the audit of all of it, and no password or session id in the log or the warehouse.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountsIT {

    static final String PASSWORD = "correct horse battery";
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final TestClock clock = new TestClock();
    final ListAppender<ILoggingEvent> log = new ListAppender<>();
    final List<String> secrets = new ArrayList<>();
    final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    TestNode node;
    String pnhRecord;

    @BeforeAll
    void start(@TempDir Path folder) throws Exception {
        log.start();
        root.addAppender(log);
        TestNode.copy(TestNode.repository().resolve("config"), folder.resolve("config"));
        List<UserFile.User> users = new ArrayList<>();
        for (String name : List.of("sokha", "dara", "vanna", "idle", "leaver", "chan", "audited")) {
            users.add(new UserFile.User(name, Role.STAFF, List.of("PNH"), List.of(), false, PasswordHash.hash(PASSWORD.toCharArray())));
        }
        users.add(new UserFile.User("boss", Role.ADMIN, List.of(), List.of(), false, PasswordHash.hash(PASSWORD.toCharArray())));
        UserFile.write(UserFile.in(folder.resolve("config")), users);
        secrets.add(PASSWORD);
        node = TestNode.start(folder);
        node.node().accounts().useClock(clock);
        pnhRecord = Files.readAllLines(TestNode.repository().resolve("config/demo/demo-2015.ndjson")).stream()
                .filter(l -> l.contains("\"office\":\"PNH\"")).findFirst().orElseThrow();
    }

    @AfterAll
    void stop() {
        root.detachAppender(log);
        if (node != null) {
            node.close();
        }
    }

    @Test
    void signingInGivesAStrictHttpOnlyCookieAndACsrfToken() throws Exception {
        HttpResponse<String> answer = signIn("sokha", PASSWORD);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = json(answer);
        assertThat(body.path("name").asText()).isEqualTo("sokha");
        assertThat(body.path("role").asText()).isEqualTo("staff");
        assertThat(body.path("csrf").asText()).hasSizeGreaterThanOrEqualTo(43);
        String cookie = answer.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("tonle_session=").contains("; HttpOnly").contains("; SameSite=Strict").contains("; Path=/")
                .doesNotContain("Secure"); // plain HTTP here
        String id = sessionId(answer);
        assertThat(Base64Length.bits(id)).isEqualTo(256);
        HttpResponse<String> me = call("GET", "/api/v1/me", id, null, null, null);
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(json(me).path("name").asText()).isEqualTo("sokha");
        HttpResponse<String> again = call("GET", "/api/v1/session", id, null, null, null);
        assertThat(json(again).path("csrf").asText()).isEqualTo(body.path("csrf").asText());
        // a made-up or altered session id is not a session
        assertThat(call("GET", "/api/v1/me", id.substring(1) + "A", null, null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/api/v1/me", null, null, null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void anUnknownNameAndAWrongPasswordGetTheSameAnswerAndTakeAsLong() throws Exception {
        signIn("vanna", "warm-up-wrong-1"); // the first hash of a run warms the JIT
        long began = System.nanoTime();
        HttpResponse<String> wrong = signIn("vanna", "not the password");
        long wrongTime = System.nanoTime() - began;
        began = System.nanoTime();
        HttpResponse<String> unknown = signIn("nobody-at-all", "not the password");
        long unknownTime = System.nanoTime() - began;
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).isEqualTo(wrong.body());
        assertThat(unknown.headers().firstValue("Set-Cookie")).isEmpty();
        // Both hash a password with Argon2id (19 MiB, 2 passes): neither answers in a trice.
        assertThat(Duration.ofNanos(unknownTime)).isGreaterThan(Duration.ofMillis(10));
        assertThat(Duration.ofNanos(wrongTime)).isGreaterThan(Duration.ofMillis(10));
        assertThat(signIn("vanna", null).statusCode()).isEqualTo(400);
    }

    @Test
    void fiveFailuresLockTheNameOutUntilTheWindowPasses() throws Exception {
        Instant start = clock.instant();
        for (int i = 0; i < 5; i++) {
            assertThat(signIn("dara", "wrong password " + i).statusCode()).isEqualTo(401);
            clock.advance(Duration.ofMinutes(1));
        }
        HttpResponse<String> locked = signIn("dara", PASSWORD);
        assertThat(locked.statusCode()).as(locked.body()).isEqualTo(429);
        assertThat(locked.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 15 * 60L);
        assertThat(locked.headers().firstValue("Set-Cookie")).isEmpty();
        // Another name is not locked.
        assertThat(signIn("chan", PASSWORD).statusCode()).isEqualTo(200);
        // Just before the first failure leaves the window: still locked; after it: the right password signs in.
        clock.set(start.plus(Duration.ofMinutes(15)).minusSeconds(1));
        assertThat(signIn("dara", PASSWORD).statusCode()).isEqualTo(429);
        clock.set(start.plus(Duration.ofMinutes(15)).plusSeconds(1));
        assertThat(signIn("dara", PASSWORD).statusCode()).isEqualTo(200);
        JsonNode audit = node.get("/api/v1/audit?principal=dara&limit=50").json().path("entries");
        assertThat(actions(audit)).contains("sign-in-failed", "lock-out", "sign-in-locked", "sign-in");
    }

    @Test
    void aSessionEndsWhenIdleAndActivityKeepsItAlive() throws Exception {
        String id = sessionId(signIn("idle", PASSWORD));
        clock.advance(Duration.ofMinutes(29));
        assertThat(call("GET", "/api/v1/me", id, null, null, null).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(29));
        assertThat(call("GET", "/api/v1/me", id, null, null, null).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(31));
        HttpResponse<String> expired = call("GET", "/api/v1/me", id, null, null, null);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.body()).contains("sign in again");
    }

    @Test
    void signingOutEndsTheSessionAndNeedsTheCsrfToken() throws Exception {
        HttpResponse<String> signedIn = signIn("leaver", PASSWORD);
        String id = sessionId(signedIn);
        String csrf = json(signedIn).path("csrf").asText();
        assertThat(call("DELETE", "/api/v1/session", id, null, null, null).statusCode()).isEqualTo(403);
        HttpResponse<String> out = call("DELETE", "/api/v1/session", id, csrf, null, null);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(call("GET", "/api/v1/me", id, null, null, null).statusCode()).isEqualTo(401);
        assertThat(actions(node.get("/api/v1/audit?principal=leaver").json().path("entries"))).contains("sign-in", "sign-out");
    }

    @Test
    void aRecordIsSavedThroughTheSessionWithTheCsrfHeaderAndRefusedWithout() throws Exception {
        HttpResponse<String> signedIn = signIn("sokha", PASSWORD);
        String id = sessionId(signedIn);
        String csrf = json(signedIn).path("csrf").asText();
        String record = pnhRecord.replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"" + UUID.randomUUID() + "\"");
        HttpResponse<String> without = call("POST", "/api/v1/activities", id, null, null, record);
        assertThat(without.statusCode()).as(without.body()).isEqualTo(403);
        assertThat(without.body()).contains("X-CSRF-Token");
        HttpResponse<String> wrong = call("POST", "/api/v1/activities", id, csrf + "x", null, record);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(writes("sokha")).isEmpty();
        HttpResponse<String> with = call("POST", "/api/v1/activities", id, csrf, null, record);
        assertThat(with.statusCode()).as(with.body()).isEqualTo(200);
        assertThat(writes("sokha")).hasSize(1).allSatisfy(e -> assertThat(e.path("rowCount").asLong()).isEqualTo(1));
        // The session's scope is the user's: a record of another office is refused.
        String srp = record.replace("\"office\":\"PNH\"", "\"office\":\"SRP\"")
                .replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"" + UUID.randomUUID() + "\"");
        HttpResponse<String> other = call("POST", "/api/v1/activities", id, csrf, null, srp);
        assertThat(other.body()).contains("office");
        assertThat(writes("sokha").get(0).path("rowCount").asLong()).isZero();
    }

    @Test
    void bearerTokensAreUnaffected() throws Exception {
        String record = pnhRecord.replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"" + UUID.randomUUID() + "\"");
        // no csrf header needed with a bearer token, whatever cookie comes along
        HttpResponse<String> posted = call("POST", "/api/v1/activities", "not-a-session", null, TestNode.ADMIN_TOKEN, record);
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/me", null, null, TestNode.ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/me", null, null, "wrong-token", null).statusCode()).isEqualTo(401);
        // a session cannot be used as a bearer token
        String id = sessionId(signIn("chan", PASSWORD));
        assertThat(call("GET", "/api/v1/me", null, null, id, null).statusCode()).isEqualTo(401);
    }

    @Test
    void adminsManageUsersAndPeopleChangeTheirOwnPassword() throws Exception {
        HttpResponse<String> boss = signIn("boss", PASSWORD);
        String bossId = sessionId(boss);
        String bossCsrf = json(boss).path("csrf").asText();
        String newcomer = "new-colleague-password";
        secrets.add(newcomer);
        String body = "{\"name\":\"rith\",\"role\":\"staff\",\"offices\":[\"PNH\"],\"password\":\"" + newcomer + "\"}";
        HttpResponse<String> added = call("POST", "/api/v1/users", bossId, bossCsrf, null, body);
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        assertThat(added.body()).doesNotContain("argon2").doesNotContain(newcomer);
        assertThat(call("POST", "/api/v1/users", bossId, bossCsrf, null, body).statusCode()).isEqualTo(409);
        assertThat(call("POST", "/api/v1/users", bossId, bossCsrf, null,
                "{\"name\":\"short\",\"role\":\"staff\",\"password\":\"abc\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> list = call("GET", "/api/v1/users", bossId, null, null, null);
        assertThat(list.body()).contains("\"rith\"").doesNotContain("argon2");
        // staff may not manage users
        String rith = sessionId(signIn("rith", newcomer));
        assertThat(call("GET", "/api/v1/users", rith, null, null, null).statusCode()).isEqualTo(403);
        // rith changes their own password: the current one is needed
        HttpResponse<String> rithIn = signIn("rith", newcomer);
        String rithId = sessionId(rithIn);
        String rithCsrf = json(rithIn).path("csrf").asText();
        String changed = "a-better-password-now";
        secrets.add(changed);
        assertThat(call("POST", "/api/v1/session/password", rithId, rithCsrf, null,
                "{\"current\":\"wrong-current-one\",\"password\":\"" + changed + "\"}").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/api/v1/session/password", rithId, rithCsrf, null,
                "{\"current\":\"" + newcomer + "\",\"password\":\"" + changed + "\"}").statusCode()).isEqualTo(204);
        assertThat(call("GET", "/api/v1/me", rith, null, null, null).statusCode()).as("other sessions end").isEqualTo(401);
        assertThat(call("GET", "/api/v1/me", rithId, null, null, null).statusCode()).isEqualTo(200);
        assertThat(signIn("rith", newcomer).statusCode()).isEqualTo(401);
        assertThat(signIn("rith", changed).statusCode()).isEqualTo(200);
        // an admin sets it: rith's sessions end
        String reset = "reset-by-the-admin";
        secrets.add(reset);
        assertThat(call("POST", "/api/v1/users/rith/password", bossId, bossCsrf, null, "{\"password\":\"" + reset + "\"}")
                .statusCode()).isEqualTo(204);
        assertThat(call("GET", "/api/v1/me", rithId, null, null, null).statusCode()).isEqualTo(401);
        assertThat(signIn("rith", reset).statusCode()).isEqualTo(200);
        // disabled: no sign-in, the same 401
        String rithAgain = sessionId(signIn("rith", reset));
        assertThat(call("POST", "/api/v1/users/rith", bossId, bossCsrf, null, "{\"disabled\":true}").statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/me", rithAgain, null, null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> refused = signIn("rith", reset);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).isEqualTo(signIn("nobody-here", reset).body());
        assertThat(call("POST", "/api/v1/users/nobody/password", bossId, bossCsrf, null, "{\"password\":\"" + reset + "\"}")
                .statusCode()).isEqualTo(404);
        // all of it in the audit log, by the admin; the file holds the hash only
        assertThat(actions(node.get("/api/v1/audit?principal=boss&limit=100").json().path("entries")))
                .contains("user-add", "user-password", "user-disable");
        assertThat(actions(node.get("/api/v1/audit?principal=rith&limit=100").json().path("entries")))
                .contains("password-change", "password-change-failed");
        String file = Files.readString(UserFile.in(node.config()));
        assertThat(file).contains("rith").contains("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain(reset);
        assertThat(Files.getPosixFilePermissions(UserFile.in(node.config()))).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void usersYamlIsReloadedOnChangeAndABrokenOneKeepsTheLastGoodUsers() throws Exception {
        Path file = UserFile.in(node.config());
        String password = "edited-by-the-cli-0";
        secrets.add(password);
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream((password + "\n" + password + "\n").getBytes(StandardCharsets.UTF_8)));
        try {
            assertThat(TonleCommand.run("user", "add", "sopheap", "--role", "analyst", "--config", node.config().toString())).isZero();
        } finally {
            System.setIn(stdin);
        }
        List<UserFile.User> users = UserFile.read(file);
        // Wait for the node to read the file, not by signing in: failed attempts would lock the name out.
        Waiting.until("the node reads the new users.yaml", () -> node.get("/api/v1/users").body().contains("sopheap"));
        assertThat(signIn("sopheap", password).statusCode()).isEqualTo(200);
        assertThat(actions(node.get("/api/v1/audit?principal=users.yaml&limit=100").json().path("entries"))).contains("user-add");
        String before = Files.readString(file);
        Files.writeString(file, before + "\n  - name: [broken\n");
        Waiting.until("the broken users.yaml is reported", () -> node.get("/api/v1/status").json().path("users").has("error"));
        String error = node.get("/api/v1/status").json().path("users").path("error").asText();
        assertThat(error).contains("users.yaml").contains("line ").contains("stay in force");
        assertThat(signIn("sopheap", password).statusCode()).isEqualTo(200);
        assertThat(log.list.stream().map(ILoggingEvent::getFormattedMessage)).anyMatch(m -> m.contains("cannot be used"));
        UserFile.write(file, users);
        Waiting.until("the users file takes effect", () -> !node.get("/api/v1/status").json().path("users").has("error"));
    }

    @Test
    void noPasswordOrSessionIdReachesTheLogOrTheWarehouse() throws Exception {
        HttpResponse<String> in = signIn("audited", PASSWORD);
        String id = sessionId(in);
        String csrf = json(in).path("csrf").asText();
        assertThat(signIn("audited", "a-wrong-guess-here").statusCode()).isEqualTo(401);
        secrets.add("a-wrong-guess-here");
        call("GET", "/api/v1/me", id, null, null, null);
        call("DELETE", "/api/v1/session", id, csrf, null, null);
        List<String> sensitive = new ArrayList<>(secrets);
        sensitive.add(id);
        sensitive.add(csrf);
        assertThat(log.list).isNotEmpty().allSatisfy(event -> {
            for (String s : sensitive) {
                assertThat(event.getFormattedMessage()).doesNotContain(s);
            }
        });
        List<String> audit = new ArrayList<>();
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT * FROM audit_log")) {
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                for (int i = 1; i <= columns; i++) {
                    audit.add(String.valueOf(rows.getObject(i)));
                }
            }
        }
        assertThat(audit).isNotEmpty().noneMatch(v -> sensitive.stream().anyMatch(v::contains));
        assertThat(String.join("\n", audit)).contains("sign-in").contains("sign-out");
        try (Stream<Path> files = Files.walk(node.data())) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".duckdb")).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String s : sensitive) {
                    assertThat(text).as(f.toString()).doesNotContain(s);
                }
            }
        }
    }

    // ---- helpers

    HttpResponse<String> signIn(String name, String password) throws IOException, InterruptedException {
        String body = Json.write(password == null ? Map.of("name", name) : Map.of("name", name, "password", password));
        return call("POST", "/api/v1/session", null, null, null, body);
    }

    HttpResponse<String> call(String method, String path, String session, String csrf, String bearer, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofMinutes(1))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (session != null) {
            request.header("Cookie", "tonle_session=" + session);
        }
        if (csrf != null) {
            request.header("X-CSRF-Token", csrf);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String sessionId(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String cookie = answer.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring("tonle_session=".length(), cookie.indexOf(';'));
    }

    static JsonNode json(HttpResponse<String> answer) throws IOException {
        return Json.MAPPER.readTree(answer.body());
    }

    List<JsonNode> writes(String principal) {
        List<JsonNode> entries = new ArrayList<>();
        node.get("/api/v1/audit?principal=" + principal + "&action=write").json().path("entries").forEach(entries::add);
        return entries;
    }

    static List<String> actions(JsonNode entries) {
        List<String> actions = new ArrayList<>();
        entries.forEach(e -> actions.add(e.path("action").asText()));
        return actions;
    }

    /** The number of bits a base64url string without padding carries. */
    static final class Base64Length {
        static int bits(String text) {
            return Base64.getUrlDecoder().decode(text).length * 8;
        }
    }

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T08:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        void set(Instant at) {
            now = at;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}

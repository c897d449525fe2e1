package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;
import org.tonle.core.config.Role;
import org.tonle.host.auth.PasswordHash;
import org.tonle.host.auth.UserFile;
import org.tonle.pipelines.OwnerOnly;

/**
 * Sign-in through an organisation's OpenID Connect provider, against a real Keycloak on this
 * machine (DESIGN.md section 9.4, docs/ACCESS.md): a browser (an HTTP client with its own cookie
 * jar) follows Tonle's redirect, posts Keycloak's login form, comes back to the callback and
 * uses the session it gets; and the refusals: a state Tonle did not issue, a callback in another
 * browser, a replayed callback and a replayed code, an expired sign-in, a provider error, a
 * person Tonle has no user for, a disabled user and an unverified email, each audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OidcSignInIT {

    static final String REALM = "tonle";
    static final String KEYCLOAK_PASSWORD = "keycloak-pass-123";
    static final String CLIENT_SECRET = "tonle-client-secret-for-the-test";
    final TestClock clock = new TestClock();
    KeycloakServer keycloak;
    Node node;
    String url;

    @BeforeAll
    void start(@TempDir Path folder) throws Exception {
        int port = TestNode.freePort();
        url = "http://127.0.0.1:" + port;
        String redirect = url + "/api/v1/session/oidc/callback";
        String realm = Files.readString(Path.of(OidcSignInIT.class.getResource("/oidc/realm-tonle.json").toURI()))
                .replace("${client_secret}", CLIENT_SECRET).replace("${redirect_uri}", redirect)
                .replace("${password}", KEYCLOAK_PASSWORD);
        keycloak = KeycloakServer.start(REALM, realm, Duration.ofMinutes(5));
        System.out.println("OidcSignInIT: Keycloak answered " + keycloak.startMillis() + " ms after it was started");

        Path config = folder.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        // the shipped oidc section (off) gives way to one for this Keycloak
        String shipped = Files.readString(config.resolve("tonle.yaml")).replaceAll("(?m)^oidc:\\n(^[ #].*\\n)*", "");
        assertThat(shipped).doesNotContain("oidc:");
        Files.writeString(config.resolve("tonle.yaml"), shipped + """
                oidc:
                  issuer: %s
                  name: Keycloak
                  client_id: tonle
                  redirect_uri: %s
                  user_claim: email
                """.formatted(keycloak.issuer(REALM), redirect));
        String hash = PasswordHash.hash("a password nobody uses".toCharArray());
        UserFile.write(UserFile.in(config), List.of(
                new UserFile.User("sokha@ngo.example", Role.STAFF, List.of("PNH"), List.of(), false, hash),
                new UserFile.User("leaver@ngo.example", Role.STAFF, List.of("PNH"), List.of(), true, hash),
                new UserFile.User("unverified@ngo.example", Role.ADMIN, List.of(), List.of(), false, hash)));
        Path secrets = folder.resolve("data/secrets");
        OwnerOnly.createDirectories(secrets);
        try (var out = OwnerOnly.newFile(secrets.resolve("oidc-client-secret"))) {
            out.write((CLIENT_SECRET + "\n").getBytes(StandardCharsets.UTF_8));
        }
        node = Node.start(new Node.Options(config, folder.resolve("data"), "127.0.0.1", port, 0, null,
                TestNode.repository().resolve("host/target/bundles"), TestNode.ADMIN_TOKEN));
        node.oidcSignIn().useClock(clock);
    }

    @AfterAll
    void stop() {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (keycloak != null) {
                keycloak.close();
                assertThat(keycloak.alive()).as("Keycloak stopped").isFalse();
            }
        }
    }

    @Test
    void theSignInPageIsToldAboutTheProvider() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> options = browser.get(url + "/api/v1/session/options");
        assertThat(options.statusCode()).as(options.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(options.body())).isEqualTo(Json.MAPPER.readTree(
                "{\"password\": true, \"oidc\": {\"name\": \"Keycloak\", \"start\": \"/api/v1/session/oidc\"}}"));
    }

    @Test
    void aPersonSignsInAtTheProviderAndGetsTheSameSessionAsWithAPassword() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> begin = browser.get(url + "/api/v1/session/oidc?return=/pages/");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(303);
        URI authorise = URI.create(begin.headers().firstValue("Location").orElseThrow());
        assertThat(authorise.toString()).startsWith(keycloak.issuer(REALM) + "/protocol/openid-connect/auth?");
        Map<String, String> asked = query(authorise);
        assertThat(asked).containsEntry("response_type", "code").containsEntry("client_id", "tonle")
                .containsEntry("code_challenge_method", "S256").containsKeys("state", "nonce", "code_challenge");
        assertThat(asked.get("scope").split(" ")).contains("openid", "email");
        assertThat(begin.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("tonle_oidc=")
                .contains("HttpOnly").contains("SameSite=Lax").contains("Path=/api/v1/session/oidc");

        URI callback = browser.signInAtKeycloak(authorise, "sokha", KEYCLOAK_PASSWORD);
        assertThat(callback.toString()).startsWith(url + "/api/v1/session/oidc/callback?");
        HttpResponse<String> back = browser.get(callback.toString());
        assertThat(back.statusCode()).as(back.body()).isEqualTo(303);
        assertThat(back.headers().firstValue("Location").orElseThrow()).isEqualTo(url + "/pages/");
        assertThat(back.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("tonle_session=")
                .contains("HttpOnly").contains("SameSite=Strict").contains("Path=/"));

        // the session is a Tonle user's, with the role and offices of users.yaml
        HttpResponse<String> session = browser.get(url + "/api/v1/session");
        assertThat(session.statusCode()).as(session.body()).isEqualTo(200);
        JsonNode who = Json.MAPPER.readTree(session.body());
        assertThat(who.path("name").asText()).isEqualTo("sokha@ngo.example");
        assertThat(who.path("role").asText()).isEqualTo("staff");
        HttpResponse<String> me = browser.get(url + "/api/v1/me");
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(me.body()).contains("sokha@ngo.example").contains("PNH");
        // an unsafe request needs the csrf token, as after a password sign-in
        assertThat(browser.send("DELETE", url + "/api/v1/session", null).statusCode()).isEqualTo(403);
        assertThat(browser.send("DELETE", url + "/api/v1/session", who.path("csrf").asText()).statusCode()).isEqualTo(204);
        assertThat(browser.get(url + "/api/v1/me").statusCode()).isEqualTo(401);

        assertThat(audit("sokha@ngo.example", "sign-in")).anySatisfy(e -> {
            assertThat(e.path("endpoint").asText()).isEqualTo("GET /api/v1/session/oidc/callback");
            assertThat(e.path("parameters").asText()).contains("\"via\":\"oidc\"").contains(keycloak.issuer(REALM));
        });

        // The same callback again: the sign-in was used up.
        HttpResponse<String> replayed = browser.get(callback.toString());
        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(400);
        assertThat(replayed.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("tonle_session="));
        // The code with a sign-in of its own: Keycloak refuses a code used before (and its PKCE verifier differs).
        HttpResponse<String> again = browser.get(url + "/api/v1/session/oidc");
        String state = query(URI.create(again.headers().firstValue("Location").orElseThrow())).get("state");
        HttpResponse<String> reused = browser.get(url + "/api/v1/session/oidc/callback?state=" + encode(state)
                + "&code=" + encode(query(callback).get("code")));
        assertThat(reused.statusCode()).as(reused.body()).isEqualTo(401);
        assertThat(reused.body()).contains("invalid_grant");
        assertThat(reused.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("tonle_session="));
        assertThat(failures()).anyMatch(p -> p.contains("token request refused: invalid_grant"))
                .anyMatch(p -> p.contains("unknown state"));
    }

    @Test
    void aCallbackWithAStateTonleDidNotIssueIsRefused() throws Exception {
        Browser browser = new Browser();
        browser.get(url + "/api/v1/session/oidc"); // a binding cookie of its own
        HttpResponse<String> forged = browser.get(url + "/api/v1/session/oidc/callback?state=made-up-state&code=anything");
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(400);
        assertThat(forged.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(browser.get(url + "/api/v1/session/oidc/callback?code=anything").statusCode()).isEqualTo(400);
    }

    @Test
    void aCallbackCarriedToAnotherBrowserIsRefused() throws Exception {
        Browser victim = new Browser();
        Browser attacker = new Browser();
        HttpResponse<String> begin = attacker.get(url + "/api/v1/session/oidc");
        URI callback = attacker.signInAtKeycloak(URI.create(begin.headers().firstValue("Location").orElseThrow()),
                "sokha", KEYCLOAK_PASSWORD);
        HttpResponse<String> carried = victim.get(callback.toString());
        assertThat(carried.statusCode()).as(carried.body()).isEqualTo(400);
        assertThat(carried.body()).contains("another browser");
        assertThat(victim.get(url + "/api/v1/me").statusCode()).isEqualTo(401);
        assertThat(failures()).anyMatch(p -> p.contains("browser mismatch"));
    }

    @Test
    void aPersonTonleHasNoUserForIsRefusedAndAudited() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> begin = browser.get(url + "/api/v1/session/oidc");
        URI callback = browser.signInAtKeycloak(URI.create(begin.headers().firstValue("Location").orElseThrow()),
                "stranger", KEYCLOAK_PASSWORD);
        HttpResponse<String> back = browser.get(callback.toString());
        assertThat(back.statusCode()).as(back.body()).isEqualTo(401);
        assertThat(back.body()).contains("stranger@ngo.example");
        assertThat(back.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("tonle_session="));
        assertThat(browser.get(url + "/api/v1/me").statusCode()).isEqualTo(401);
        assertThat(failures()).anyMatch(p -> p.contains("\"name\":\"stranger@ngo.example\"") && p.contains("\"known\":false"));
    }

    @Test
    void aDisabledUserIsRefused() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> begin = browser.get(url + "/api/v1/session/oidc");
        URI callback = browser.signInAtKeycloak(URI.create(begin.headers().firstValue("Location").orElseThrow()),
                "leaver", KEYCLOAK_PASSWORD);
        HttpResponse<String> back = browser.get(callback.toString());
        assertThat(back.statusCode()).as(back.body()).isEqualTo(401);
        assertThat(browser.get(url + "/api/v1/me").statusCode()).isEqualTo(401);
        assertThat(audit("leaver@ngo.example", "sign-in-failed")).anySatisfy(e ->
                assertThat(e.path("parameters").asText()).contains("\"disabled\":true").contains("\"via\":\"oidc\""));
    }

    @Test
    void anEmailTheProviderHasNotVerifiedNamesNobody() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> begin = browser.get(url + "/api/v1/session/oidc");
        URI callback = browser.signInAtKeycloak(URI.create(begin.headers().firstValue("Location").orElseThrow()),
                "unverified", KEYCLOAK_PASSWORD);
        HttpResponse<String> back = browser.get(callback.toString());
        assertThat(back.statusCode()).as(back.body()).isEqualTo(401);
        assertThat(back.body()).contains("not verified");
        assertThat(browser.get(url + "/api/v1/me").statusCode()).isEqualTo(401);
    }

    @Test
    void aSignInIsGoodForTenMinutesAndAProviderErrorIsRefused() throws Exception {
        Browser browser = new Browser();
        String state = query(URI.create(browser.get(url + "/api/v1/session/oidc").headers().firstValue("Location").orElseThrow()))
                .get("state");
        clock.advance(Duration.ofMinutes(11));
        HttpResponse<String> late = browser.get(url + "/api/v1/session/oidc/callback?state=" + encode(state) + "&code=x");
        assertThat(late.statusCode()).as(late.body()).isEqualTo(400);
        assertThat(late.body()).contains("expired");

        state = query(URI.create(browser.get(url + "/api/v1/session/oidc").headers().firstValue("Location").orElseThrow()))
                .get("state");
        HttpResponse<String> denied = browser.get(url + "/api/v1/session/oidc/callback?state=" + encode(state)
                + "&error=access_denied");
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(401);
        assertThat(denied.body()).contains("access_denied");
        assertThat(failures()).anyMatch(p -> p.contains("provider: access_denied")).anyMatch(p -> p.contains("\"reason\":\"expired\""));
    }

    @Test
    void onlyAPathOfThisNodeIsAPlaceToReturnTo() throws Exception {
        Browser browser = new Browser();
        for (String elsewhere : List.of("//evil.example/", "https://evil.example/", "/\\evil.example", "pages")) {
            HttpResponse<String> answer = browser.get(url + "/api/v1/session/oidc?return=" + encode(elsewhere));
            assertThat(answer.statusCode()).as(elsewhere).isEqualTo(400);
            assertThat(answer.headers().firstValue("Location")).isEmpty();
        }
    }

    // ---- helpers

    List<JsonNode> audit(String principal, String action) throws Exception {
        Answer answer = adminGet("/api/v1/audit?limit=500&principal=" + encode(principal) + "&action=" + encode(action));
        List<JsonNode> entries = new ArrayList<>();
        Json.MAPPER.readTree(answer.body).path("entries").forEach(entries::add);
        return entries;
    }

    /** The parameters of the audited OpenID Connect sign-in failures. */
    List<String> failures() throws Exception {
        List<String> all = new ArrayList<>();
        Json.MAPPER.readTree(adminGet("/api/v1/audit?limit=1000&action=sign-in-failed").body).path("entries")
                .forEach(e -> all.add(e.path("parameters").asText()));
        return all.stream().filter(p -> p.contains("\"via\":\"oidc\"")).toList();
    }

    record Answer(int status, String body) {
    }

    Answer adminGet(String path) throws IOException, InterruptedException {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + path))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return new Answer(answer.statusCode(), answer.body());
    }

    static Map<String, String> query(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return parameters;
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** A browser: its own cookies, redirects followed by hand so that each step can be looked at. */
    static final class Browser {
        final CookieManager cookies = new CookieManager();
        /**
         * Like a browser, sends Secure cookies to the loopback address over plain HTTP (a secure
         * context to browsers): Keycloak marks its login cookies Secure. Java's CookieManager alone
         * sends them over HTTPS only.
         */
        final CookieHandler jar = new CookieHandler() {
            @Override
            public Map<String, List<String>> get(URI uri, Map<String, List<String>> headers) throws IOException {
                boolean loopback = "127.0.0.1".equals(uri.getHost()) && "http".equals(uri.getScheme());
                return cookies.get(loopback ? URI.create("https" + uri.toString().substring(4)) : uri, headers);
            }

            @Override
            public void put(URI uri, Map<String, List<String>> headers) throws IOException {
                cookies.put(uri, headers);
            }
        };
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(jar)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> get(String uri) throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> send(String method, String uri, String csrf) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (csrf != null) {
                request.header("X-CSRF-Token", csrf);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** Opens Keycloak's login page, posts its form, and answers where Keycloak sends the browser back to. */
        URI signInAtKeycloak(URI authorise, String username, String password) throws IOException, InterruptedException {
            HttpResponse<String> page = get(authorise.toString());
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            Document html = Jsoup.parse(page.body(), authorise.toString());
            Element form = html.getElementById("kc-form-login");
            assertThat(form).as("Keycloak's login form in %s", page.body()).isNotNull();
            Map<String, String> fields = new LinkedHashMap<>();
            form.select("input[name]").forEach(input -> fields.put(input.attr("name"), input.val()));
            fields.put("username", username);
            fields.put("password", password);
            String body = fields.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                    .collect(Collectors.joining("&"));
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(form.absUrl("action")))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as("Keycloak's answer to the login form: %s", posted.body()).isEqualTo(302);
            return URI.create(posted.headers().firstValue("Location").orElseThrow());
        }
    }

    /** A clock the test moves on. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

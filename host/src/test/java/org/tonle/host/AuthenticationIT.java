package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tonle.host.auth.Authentication;
import org.tonle.pages.PagesResource;

/**
 * Authentication is decided by the resource that matched, deny by default: whatever the
 * spelling of a path, it either matches nothing (404) or it is authenticated (401 without a
 * known token); never a 2xx, never a 5xx. Requests are written byte for byte on a socket, so
 * no client normalises the path first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationIT {

    TestNode node;

    @BeforeAll
    void start(@TempDir Path root) {
        node = TestNode.start(root);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    /** Spellings that reach a protected resource: each must be refused as unauthenticated. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET /api/v1/programs", "GET /api;x/v1/programs", "GET /api/v1;x/programs", "GET /api/v1/programs;x=1",
            "GET /api/v1/programs/", "GET /api;/v1;/programs;", "GET /api/v1/audit;jsessionid=1", "GET /metrics;x",
            "GET /api/v1/rejections;x", "GET /api/v1/me;x", "GET /api/v1/indicators;x/social.clients_met/values?period=2015-08",
            "POST /api/v1;x/sql", "POST /api;x/v1/activities", "GET /api/v1/status/"})
    void aPathThatMatchesAProtectedResourceIsAuthenticatedWhateverItsSpelling(String request) throws IOException {
        Answer answer = raw(request, null);
        assertThat(answer.status).as(answer.toString()).isEqualTo(401);
        assertThat(answer.headers.get("www-authenticate")).isEqualTo("Bearer");
        assertThat(answer.headers.get("cache-control")).isEqualTo("no-store");
        // With a token the same spelling answers: it was matched, not refused for its shape.
        if (request.startsWith("GET /api") && !request.contains("audit") && !request.contains("rejections")) {
            assertThat(raw(request, TestNode.ADMIN_TOKEN).status).as(request).isEqualTo(200);
        }
    }

    /** Spellings that match no protected resource: 404 (or 400 from the server), never data, never 5xx. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET //api/v1/programs", "GET /api//v1/programs", "GET /x/../api/v1/programs", "GET /x/%2E%2E/api/v1/programs",
            "GET /api%2Fv1%2Fprograms", "GET /API/v1/programs", "GET /Api/V1/Programs", "GET /api/v1/%2E%2E/v1/programs",
            "GET /api/v1/programs%2F", "GET /api/v1/programs%3Bx", "GET /./api/v1/programs", "GET /api/v1/nothing",
            "GET /api/v2/programs", "GET /api/v1/../../secrets/subject-key", "GET /%2E%2E/secrets/subject-key",
            "GET /webjars/../../secrets/subject-key", "GET /api/v1/programs%00", "GET /api/v1/programs%20",
            "GET /api/v1/%70rograms", "GET /api/v1/PROGRAMS", "GET /metrics/..;/api/v1/programs"})
    void anyOtherSpellingIsRefusedWithoutData(String request) throws IOException {
        Answer answer = raw(request, null);
        assertThat(answer.status).as(answer.toString()).isIn(400, 401, 404);
        String key = Files.readString(node.data().resolve("secrets/subject-key")).trim();
        assertThat(answer.body).doesNotContain("\"programs\"").doesNotContain("\"social\"").doesNotContain(key);
    }

    @Test
    void pagesCarryAPolicyThatRunsOnlyTheNodesScriptsAndForbidsFraming() throws IOException {
        for (String page : new String[] {"GET /", "GET /js/app.js", "GET /nothing-here", "GET /health"}) {
            Answer answer = raw(page, null);
            String policy = answer.headers.get("content-security-policy");
            assertThat(policy).as(page).contains("script-src 'self'", "frame-ancestors 'none'", "object-src 'none'").doesNotContain("unsafe-eval");
            assertThat(policy.replaceAll("style-src[^;]*;", "")).doesNotContain("unsafe-inline");
            assertThat(answer.headers).as(page).containsEntry("x-frame-options", "DENY")
                    .containsEntry("referrer-policy", "no-referrer").containsEntry("x-content-type-options", "nosniff");
        }
        // Page files keep their own caching (they hold no data); everything else is not stored.
        assertThat(raw("GET /", null).headers.get("cache-control")).startsWith("no-cache");
        assertThat(raw("GET /health", null).headers.get("cache-control")).isEqualTo("no-store");
    }

    @Test
    void apiAnswersAreNeverStored() throws IOException {
        for (String request : new String[] {"GET /api/v1/programs", "GET /api/v1/indicators/social.clients_met/values?period=2015-08",
                "GET /api/v1/rejections", "GET /api/v1/nothing", "GET /metrics"}) {
            Answer answer = raw(request, TestNode.ADMIN_TOKEN);
            assertThat(answer.headers.get("cache-control")).as(request + " " + answer.status).isEqualTo("no-store");
            assertThat(answer.headers.get("content-security-policy")).contains("frame-ancestors 'none'");
        }
    }

    /** Every resource method of the node is authenticated, except the pages and health, which say so. */
    @Test
    void everyResourceIsDeniedByDefault() throws IOException, ClassNotFoundException {
        Map<String, Boolean> open = new LinkedHashMap<>();
        List<Class<?>> resources = new ArrayList<>(List.of(PagesResource.class));
        try (var classes = Files.list(TestNode.repository().resolve("host/target/classes/org/tonle/host/api"))) {
            for (Path file : classes.filter(f -> f.toString().endsWith("Resource.class")).toList()) {
                resources.add(Class.forName("org.tonle.host.api." + file.getFileName().toString().replace(".class", "")));
            }
        }
        for (Class<?> type : resources) {
            for (Method method : type.getMethods()) {
                boolean resourceMethod = Arrays.stream(method.getAnnotations())
                        .anyMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class));
                if (resourceMethod) {
                    open.merge(type.getSimpleName(), Authentication.isPublic(type, method), Boolean::logicalOr);
                }
            }
        }
        assertThat(open).hasSizeGreaterThan(10);
        assertThat(open.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey))
                // signing in (POST /api/v1/session) is the one open route of SessionResource; signing in
                // through an OpenID Connect provider and the sign-in options are read before signing in
                .containsExactlyInAnyOrder("HealthResource", "PagesResource", "OpenApiResource", "SessionResource",
                        "OidcResource", "SignInOptionsResource");
        assertThat(Authentication.isPublic(Unannotated.class, Unannotated.class.getMethods()[0])).isFalse();
    }

    /** The node's key and data folder are owner-only; nothing there is open to other users. */
    @Test
    void theKeyAndTheDataFolderAreOwnerOnly() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(node.data()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(node.data().resolve("secrets")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(node.data().resolve("secrets/subject-key"))))
                .isEqualTo("rw-------");
    }

    @jakarta.ws.rs.Path("/x")
    public static class Unannotated {
        @GET
        public String get() {
            return "";
        }
    }

    record Answer(int status, Map<String, String> headers, String body) {
    }

    /** One request written as given ("GET /path"), HTTP/1.1, the connection closed after the answer. */
    Answer raw(String request, String token) throws IOException {
        URI base = URI.create(node.url());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            boolean post = request.startsWith("POST");
            String head = request + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\nConnection: close\r\n"
                    + "Accept-Encoding: identity\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + (post ? "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" : "\r\n");
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end < 0 ? text.length() : end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, end < 0 ? "" : text.substring(end + 4));
        }
    }
}

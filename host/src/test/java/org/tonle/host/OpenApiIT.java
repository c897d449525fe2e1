package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.ws.rs.core.MediaType;

import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.auth.RouteAccess;

/**
 * The OpenAPI document at {@code /api/v1/openapi.json}: open without a token, naming every
 * route Jersey serves with the roles that may call it, and those roles are the ones the node
 * enforces.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiIT {

    /** Who calls, and with which token ({@code null}: no token). */
    private static final Map<String, String> CALLERS = new LinkedHashMap<>();

    static {
        CALLERS.put("anonymous", null);
        CALLERS.put("admin", TestNode.ADMIN_TOKEN);
        CALLERS.put("staff", AccessIT.STAFF);
        CALLERS.put("analyst", AccessIT.ANALYST);
        CALLERS.put("donor", AccessIT.DONOR);
    }

    TestNode node;
    JsonNode document;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), AccessIT.access(""));
        node = TestNode.start(root);
        TestNode.Response answer = node.get("/api/v1/openapi.json", null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
        document = answer.json();
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void isOpenApi31WithABearerScheme() {
        assertThat(document.path("openapi").asText()).startsWith("3.1.");
        assertThat(document.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
    }

    /** Walks Jersey's runtime resource model: each method of each route is an operation with its roles. */
    @Test
    void everyRouteJerseyServesIsDocumentedWithItsRoles() {
        List<String> routes = new ArrayList<>();
        for (Resource resource : node.node().http().resources()) {
            collect(resource, "", routes);
        }
        assertThat(routes).as("Jersey serves routes").hasSizeGreaterThan(20);
        assertThat(routes).contains("GET /api/v1/openapi.json", "POST /api/v1/sql", "GET /api/v1/indicators/{code}/values",
                "DELETE /api/v1/activities/{id}", "GET /metrics", "GET /{path}");
    }

    private void collect(Resource resource, String parent, List<String> routes) {
        String path = normalise(parent + "/" + resource.getPath());
        for (ResourceMethod method : resource.getResourceMethods()) {
            if (method.isExtended()) {
                continue;   // OPTIONS and the like that Jersey adds itself
            }
            String route = method.getHttpMethod() + " " + path;
            routes.add(route);
            JsonNode operation = document.path("paths").path(path).path(method.getHttpMethod().toLowerCase());
            assertThat(operation.isObject()).as(route + " is in the document").isTrue();
            RouteAccess access = RouteAccess.of(method.getInvocable().getHandler().getHandlerClass(),
                    method.getInvocable().getHandlingMethod());
            assertThat(texts(operation.path("x-roles"))).as(route + " x-roles").isEqualTo(new TreeSet<>(access.roles()));
            assertThat(operation.path("security").path(0).has("bearer")).as(route + " needs a token").isEqualTo(access.token());
            // Routes answer JSON, CSV, Arrow or PDF by Accept, each from its own Java method: all are named.
            for (MediaType type : method.getProducedTypes()) {
                assertThat(fields(operation.at("/responses/default/content")).stream().map(e -> withoutQuality(e.getKey())))
                        .as(route + " answers " + type).contains(withoutQuality(type.toString()));
            }
        }
        for (Resource child : resource.getChildResources()) {
            collect(child, path, routes);
        }
    }

    /**
     * Calls every documented operation as every kind of caller: those left out of {@code x-roles}
     * are turned away (401 without a token, 403 for their role) and those named are let through
     * to the resource, whatever it then answers for the placeholder parameters.
     */
    @Test
    void theRolesOfTheDocumentAreTheOnesTheNodeEnforces() {
        int checked = 0;
        for (Map.Entry<String, JsonNode> path : fields(document.path("paths"))) {
            for (Map.Entry<String, JsonNode> operation : fields(path.getValue())) {
                String method = operation.getKey().toUpperCase();
                Set<String> roles = texts(operation.getValue().path("x-roles"));
                boolean token = operation.getValue().path("security").path(0).has("bearer");
                String address = path.getKey().replaceAll("\\{[^}]+}", "x");
                for (Map.Entry<String, String> caller : CALLERS.entrySet()) {
                    String body = method.equals("GET") || method.equals("DELETE") ? null : "{}";
                    TestNode.Response answer = node.send(method, address, caller.getValue(),
                            body == null ? null : "application/json", body, "*/*");
                    String what = caller.getKey() + " " + method + " " + address + ": " + answer.status() + " " + answer.body();
                    boolean refusedRole = answer.status() == 403 && answer.body().contains("your role may not do this");
                    if (!token) {
                        assertThat(answer.status() == 401 || refusedRole).as(what).isFalse();
                    } else if (caller.getValue() == null) {
                        assertThat(answer.status()).as(what).isEqualTo(401);
                    } else if (roles.contains(caller.getKey())) {
                        assertThat(answer.status() == 401 || refusedRole).as(what).isFalse();
                    } else {
                        assertThat(refusedRole).as(what).isTrue();
                    }
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(100);
    }

    private static String normalise(String path) {
        String p = path.replaceAll("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}", "{$1}").replaceAll("/+", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** A media type as type/subtype and its parameters but Jersey's {@code qs}, in a comparable form. */
    private static String withoutQuality(String text) {
        MediaType type = MediaType.valueOf(text);
        Map<String, String> parameters = new TreeMap<>(type.getParameters());
        parameters.remove("qs");
        return type.getType() + "/" + type.getSubtype() + parameters;
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> values = new TreeSet<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static List<Map.Entry<String, JsonNode>> fields(JsonNode object) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        object.fields().forEachRemaining(entries::add);
        return entries;
    }
}

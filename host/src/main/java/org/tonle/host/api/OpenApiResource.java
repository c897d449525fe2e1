package org.tonle.host.api;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.converter.ResolvedSchema;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.jaxrs2.Reader;
import io.swagger.v3.oas.integration.SwaggerConfiguration;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.tonle.host.auth.RouteAccess;

/**
 * {@code GET /api/v1/openapi.json}: the OpenAPI 3.1 document of every route the node serves,
 * read by swagger-core from the resources and their wire records. Each operation carries
 * {@code x-roles}, the roles that may call it, and a bearer security requirement unless it needs
 * no token; both come from {@link RouteAccess}, the rules the authentication filter applies.
 * It is documentation, so it is served without a token.
 */
@Path("/api/v1/openapi.json")
@PermitAll
public final class OpenApiResource {

    public static final String ROLES = "x-roles";
    private static final String BEARER = "bearer";

    private volatile String document;

    @GET
    @Produces("application/json")
    public String document(@Context Configuration configuration) throws JsonProcessingException {
        String answer = document;
        if (answer == null) {
            // The resources are fixed once the server runs, so the document is read once.
            answer = Json31.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(build(resources(configuration)));
            document = answer;
        }
        return answer;
    }

    /** The resource classes registered with Jersey, as instances or as classes. */
    private static Set<Class<?>> resources(Configuration configuration) {
        return Stream.concat(configuration.getInstances().stream().map(Object::getClass), configuration.getClasses().stream())
                .filter(c -> c.isAnnotationPresent(Path.class))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    static OpenAPI build(Set<Class<?>> resources) {
        OpenAPI base = new OpenAPI()
                .info(new Info().title("Tonle REST API").version("v1")
                        .description("Recording, indicators, analytics, reports and exports of a Tonle node. Send"
                                + " Authorization: Bearer <token> (bin/tonle token); x-roles names the roles that may call each"
                                + " operation. Errors are RFC 9457 problem documents (application/problem+json)."
                                + " See docs/ANALYTICS-API.md and docs/ACCESS.md."))
                .components(new Components().addSecuritySchemes(BEARER,
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")));
        OpenAPI api = new Reader(new SwaggerConfiguration().openAPI(base).openAPI31(true).sortOutput(true)).read(resources);
        for (Class<?> resource : resources) {
            for (Method method : resource.getMethods()) {
                String verb = httpMethod(method);
                if (verb == null) {
                    continue;
                }
                String path = path(resource, method);
                PathItem item = api.getPaths() == null ? null : api.getPaths().get(path);
                Operation operation = item == null ? null : item.readOperationsMap().get(PathItem.HttpMethod.valueOf(verb));
                if (operation == null) {
                    throw new IllegalStateException("swagger-core left out " + verb + " " + path + " of " + resource.getSimpleName());
                }
                variant(api, operation, resource, method);
                RouteAccess access = RouteAccess.of(resource, method);
                operation.addExtension(ROLES, access.roles());
                operation.setSecurity(access.token() ? List.of(new SecurityRequirement().addList(BEARER)) : List.of());
            }
        }
        return api;
    }

    /**
     * Adds the media types of one Java method to its operation. Jersey picks among the methods
     * of one route by {@code Accept} (JSON, CSV, Arrow, PDF...), while swagger-core keeps the
     * last one it reads; so every method's types are added, each with its own schema.
     */
    private static void variant(OpenAPI api, Operation operation, Class<?> resource, Method method) {
        Produces produces = method.isAnnotationPresent(Produces.class) ? method.getAnnotation(Produces.class)
                : resource.getAnnotation(Produces.class);
        ApiResponse response = operation.getResponses() == null ? null : operation.getResponses().getDefault();
        if (produces == null || response == null) {
            return;
        }
        Content content = new Content();
        if (response.getContent() != null) {
            response.getContent().forEach((type, media) -> content.addMediaType(withoutQuality(type), media));
        }
        for (String type : produces.value()) {
            String bare = withoutQuality(type);
            if (!content.containsKey(bare)) {
                content.addMediaType(bare, new MediaType().schema(schema(api, method, bare)));
            }
        }
        response.setContent(content);
    }

    private static Schema<?> schema(OpenAPI api, Method method, String type) {
        Class<?> returned = method.getReturnType();
        if (returned == Response.class || returned == StreamingOutput.class || returned == String.class || returned == byte[].class) {
            boolean text = type.startsWith("text/") || type.contains("json") || type.contains("xml");
            return text ? new StringSchema() : new StringSchema().format("binary");
        }
        ResolvedSchema resolved = ModelConverters.getInstance(true)
                .resolveAsResolvedSchema(new AnnotatedType(method.getGenericReturnType()).resolveAsRef(true));
        resolved.referencedSchemas.forEach(api.getComponents()::addSchemas);
        return resolved.schema;
    }

    /** {@code text/html;qs=1} is Jersey's preference among variants, not part of the media type. */
    private static String withoutQuality(String type) {
        return type.replaceAll(";\\s*qs=[0-9.]+", "").trim();
    }

    private static String httpMethod(Method method) {
        return Stream.of(method.getAnnotations())
                .map(a -> a.annotationType().getAnnotation(HttpMethod.class))
                .filter(h -> h != null).map(HttpMethod::value).findFirst().orElse(null);
    }

    /** The route's path as OpenAPI writes it: one leading slash, templates without their regular expressions. */
    static String path(Class<?> resource, Method method) {
        String joined = "/" + resource.getAnnotation(Path.class).value()
                + (method.isAnnotationPresent(Path.class) ? "/" + method.getAnnotation(Path.class).value() : "");
        String path = joined.replaceAll("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}", "{$1}").replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}

package org.tonle.host.http;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;

import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.RequestRefused;
import org.tonle.core.i18n.Language;
import org.tonle.core.i18n.Messages;
import org.tonle.warehouse.WarehouseException;

/**
 * One small mapper per exception type, all answering {@code application/problem+json}. The
 * catch-all logs the cause and tells the caller nothing of it.
 */
public final class ProblemMappers {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemMappers.class);

    private ProblemMappers() {
    }

    static Response problem(int status, String title, String detail) {
        return problem(status, title, detail, null);
    }

    static Response problem(int status, String title, String detail, String rule) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(status, title, detail, rule)).build();
    }

    private static final Messages TITLES = new Messages("org/tonle/host/http/problems", ProblemMappers.class);

    /**
     * A problem's title in the request's language ({@link LanguageInjection}): the English title
     * as the mapper words it, or its status's title from {@code problems_<lang>.properties}. The
     * detail stays English: it names parameters, rules and values that clients match on.
     */
    abstract static class Localizing {
        @Context
        private HttpHeaders headers;
        @Context
        private UriInfo uri;

        Response problem(int status, String title, String detail) {
            return problem(status, title, detail, null);
        }

        Response problem(int status, String title, String detail, String rule) {
            return ProblemMappers.problem(status, title(status, title), detail, rule);
        }

        private String title(int status, String english) {
            Language language;
            try {
                language = LanguageInjection.of(uri.getQueryParameters().getFirst(LanguageInjection.PARAMETER),
                        headers.getHeaderString(HttpHeaders.ACCEPT_LANGUAGE));
            } catch (RuntimeException e) {
                // Outside a request (or before one was read): the English title.
                return english;
            }
            String key = String.valueOf(status);
            return language == Language.EN || !TITLES.has(key) ? english : TITLES.format(language, key);
        }
    }

    /** Every mapper of this class, for registering them together. */
    public static final List<Class<?>> ALL = List.of(Refusals.class, Unauthenticated.class, WebErrors.class, JsonErrors.class, WarehouseErrors.class, Unexpected.class);

    /** What a service refused ({@link RequestRefused}), with its reason as the detail. */
    public static final class Refusals extends Localizing implements ExceptionMapper<RequestRefused> {
        @Override
        public Response toResponse(RequestRefused e) {
            return switch (e.reason()) {
                case INVALID -> problem(400, "Bad request", e.getMessage(), e.rule());
                case NOT_PERMITTED -> problem(403, "Forbidden", e.getMessage());
                case NOT_FOUND -> problem(404, "Not found", e.getMessage());
                case TOO_LARGE -> problem(413, "Content too large", e.getMessage());
                case UNSUPPORTED_FORMAT -> problem(415, "Unsupported Media Type", e.getMessage());
                case CONFLICT -> problem(409, "Conflict", e.getMessage(), e.rule());
            };
        }
    }

    /** No token, or an unknown one: the authentication filter's reason, and the challenge it names. */
    public static final class Unauthenticated extends Localizing implements ExceptionMapper<NotAuthorizedException> {
        @Override
        public Response toResponse(NotAuthorizedException e) {
            return Response.fromResponse(problem(401, "Unauthorized", e.getMessage()))
                    .header(HttpHeaders.WWW_AUTHENTICATE, e.getResponse().getHeaderString(HttpHeaders.WWW_AUTHENTICATE)).build();
        }
    }

    /** JAX-RS's own errors (404 for an unknown path, 405, 406, 415, 403 from roles). */
    public static final class WebErrors extends Localizing implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse().getStatus();
            Response.Status known = Response.Status.fromStatusCode(status);
            String title = known == null ? "Error" : known.getReasonPhrase();
            String detail = switch (status) {
                case 401 -> "send Authorization: Bearer <token>";
                case 403 -> "your role may not do this";
                case 404 -> "there is nothing at this address";
                case 405 -> "this address does not take that method";
                case 406 -> "none of the media types in Accept can be produced here";
                case 415 -> "this content type is not accepted here; send application/json or application/x-ndjson";
                default -> e.getMessage();
            };
            return problem(status, title, detail);
        }
    }

    /** A body Jackson could not read into a request type; the location only, never the content. */
    public static final class JsonErrors extends Localizing implements ExceptionMapper<JsonProcessingException> {
        @Override
        public Response toResponse(JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            return problem(400, "Bad request", "the body is not valid JSON of the expected shape" + where);
        }
    }

    /** The warehouse did not commit: nothing of the request was acknowledged, so it is safe to send again. */
    public static final class WarehouseErrors extends Localizing implements ExceptionMapper<WarehouseException> {
        @Override
        public Response toResponse(WarehouseException e) {
            LOG.error("Warehouse error", e);
            return problem(503, "Service unavailable", "the warehouse could not complete the request; nothing was"
                    + " committed, so it is safe to send it again");
        }
    }

    public static final class Unexpected extends Localizing implements ExceptionMapper<Throwable> {
        @Override
        public Response toResponse(Throwable e) {
            LOG.error("Unexpected error while answering a request", e);
            return problem(500, "Internal server error", "the node could not answer; the error is in its log");
        }
    }
}

package org.tonle.host.api;

import java.net.URI;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.core.RequestRefused;
import org.tonle.host.auth.BearerAuthFilter;
import org.tonle.host.auth.OidcSignIn;
import org.tonle.host.http.Problem;

/**
 * {@code /api/v1/session/oidc}: sign-in through the organisation's OpenID Connect provider
 * (docs/ACCESS.md). A browser goes to {@code GET /api/v1/session/oidc} (a top-level navigation),
 * is sent on to the provider, and comes back to {@code GET /api/v1/session/oidc/callback}, which
 * sets the same {@code tonle_session} cookie as a password sign-in and sends the browser back to
 * the page it came from; that page reads the csrf token from {@code GET /api/v1/session}. Both
 * need no token; 404 while no provider is configured.
 */
@Path(OidcResource.START)
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public final class OidcResource {

    public static final String START = "/api/v1/session/oidc";

    private final OidcSignIn oidc;

    /** @param oidc null when no provider is configured */
    public OidcResource(OidcSignIn oidc) {
        this.oidc = oidc;
    }

    /**
     * 303 to the provider's sign-in, with a short-lived {@code tonle_oidc} cookie that binds the
     * sign-in to this browser. {@code return}: the path of this node to come back to (default /).
     */
    @GET
    public Response begin(@QueryParam("return") String returnTo, @Context ContainerRequestContext request) {
        OidcSignIn.Begun begun;
        try {
            begun = configured().begin(returnTo);
        } catch (OidcSignIn.Refused e) {
            return refused(e);
        }
        boolean secure = request.getSecurityContext().isSecure();
        // Lax, not Strict: the provider sends the browser back with a cross-site navigation.
        return Response.seeOther(begun.location())
                .header(HttpHeaders.SET_COOKIE, OidcSignIn.COOKIE + "=" + begun.binding() + "; Path=" + START
                        + "; Max-Age=" + OidcSignIn.PENDING_FOR.toSeconds() + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : ""))
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }

    /**
     * Where the provider sends the browser back: 303 to the page the sign-in began from, with the
     * {@code tonle_session} cookie; 400 for a sign-in not begun here, expired, used already or
     * begun in another browser; 401 when the provider refused, the ID token is not valid or no
     * enabled Tonle user has the name the provider gives; 502 when the provider cannot be reached.
     */
    @GET
    @Path("callback")
    public Response callback(@QueryParam("state") String state, @QueryParam("code") String code,
                             @QueryParam("error") String error, @CookieParam(OidcSignIn.COOKIE) String binding,
                             @Context ContainerRequestContext request) {
        OidcSignIn.Finished finished;
        try {
            finished = configured().finish(state, code, error, binding);
        } catch (OidcSignIn.Refused e) {
            return refused(e);
        }
        boolean secure = request.getSecurityContext().isSecure();
        return Response.seeOther(URI.create(finished.returnTo()))
                .header(HttpHeaders.SET_COOKIE, BearerAuthFilter.COOKIE + "=" + finished.signedIn().sessionId()
                        + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""))
                .header(HttpHeaders.SET_COOKIE, OidcSignIn.COOKIE + "=; Path=" + START + "; Max-Age=0; HttpOnly; SameSite=Lax"
                        + (secure ? "; Secure" : ""))
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }

    private OidcSignIn configured() {
        if (oidc == null) {
            throw RequestRefused.notFound("sign-in through an OpenID Connect provider is not configured (oidc in tonle.yaml)");
        }
        return oidc;
    }

    private static Response refused(OidcSignIn.Refused e) {
        String title = switch (e.status()) {
            case 400 -> "Bad request";
            case 401 -> "Unauthorized";
            case 429 -> "Too many requests";
            default -> "Bad gateway";
        };
        return Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(Problem.of(e.status(), title, e.getMessage()))
                .header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }
}

package org.tonle.host.api;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.host.api.wire.Accounts.OwnPassword;
import org.tonle.host.api.wire.Accounts.Session;
import org.tonle.host.api.wire.Accounts.SignIn;
import org.tonle.host.auth.Accounts;
import org.tonle.host.auth.BearerAuthFilter;
import org.tonle.host.http.Problem;

/**
 * {@code /api/v1/session}: people sign in with a name and password and get a session cookie
 * (DESIGN.md section 9.4). Signing in needs no token; everything else here needs the session.
 */
@Path("/api/v1/session")
@Produces(MediaType.APPLICATION_JSON)
public final class SessionResource {

    private final Accounts accounts;

    public SessionResource(Accounts accounts) {
        this.accounts = accounts;
    }

    /** 200 with the csrf token and a {@code tonle_session} cookie; 401 for a wrong name or password alike; 429 while locked out. */
    @POST
    @PermitAll
    @Consumes(MediaType.APPLICATION_JSON)
    public Response signIn(SignIn body, @Context ContainerRequestContext request) {
        if (body == null || body.name() == null || body.password() == null) {
            throw RequestRefused.invalid("send {\"name\": ..., \"password\": ...}");
        }
        Accounts.SignedIn signedIn;
        try {
            signedIn = accounts.signIn(body.name(), body.password());
        } catch (Accounts.SignInRefused e) {
            Response.ResponseBuilder answer = Response.status(e.locked() ? 429 : 401)
                    .type(Problem.MEDIA_TYPE)
                    .entity(Problem.of(e.locked() ? 429 : 401, e.locked() ? "Too many requests" : "Unauthorized", e.getMessage()));
            if (e.locked()) {
                answer.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
            }
            return answer.build();
        }
        boolean secure = request.getSecurityContext().isSecure();
        return Response.ok(new Session(signedIn.caller().name(), signedIn.caller().role().id(), signedIn.csrf()))
                .header(HttpHeaders.SET_COOKIE, BearerAuthFilter.COOKIE + "=" + signedIn.sessionId()
                        + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""))
                .build();
    }

    /** The signed-in session again (a page reloaded): who, and the csrf token. */
    @GET
    public Session current(@Context Caller caller, @Context ContainerRequestContext request) {
        Object id = request.getProperty(BearerAuthFilter.SESSION_PROPERTY);
        if (!(id instanceof String sessionId)) {
            throw RequestRefused.notFound("no session: this request was authenticated by a bearer token");
        }
        Accounts.Authenticated session = accounts.authenticate(sessionId)
                .orElseThrow(() -> RequestRefused.notFound("the session has ended"));
        return new Session(caller.name(), caller.role().id(), session.csrf());
    }

    /** Signs out: the session ends and the cookie is cleared. */
    @DELETE
    public Response signOut(@Context Caller caller, @Context ContainerRequestContext request) {
        Object id = request.getProperty(BearerAuthFilter.SESSION_PROPERTY);
        if (id instanceof String sessionId) {
            accounts.signOut(sessionId, caller);
        }
        return Response.noContent()
                .header(HttpHeaders.SET_COOKIE, BearerAuthFilter.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
                .build();
    }

    /** A signed-in person changes their own password, giving the current one; their other sessions end. */
    @POST
    @Path("/password")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response changePassword(OwnPassword body, @Context Caller caller, @Context ContainerRequestContext request) {
        if (body == null) {
            throw RequestRefused.invalid("send {\"current\": ..., \"password\": ...}");
        }
        Object id = request.getProperty(BearerAuthFilter.SESSION_PROPERTY);
        accounts.changeOwnPassword(caller, id instanceof String s ? s : null, body.current(), body.password());
        return Response.noContent().build();
    }
}

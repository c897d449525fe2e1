package org.tonle.host.auth;

import java.security.Principal;
import java.util.Optional;
import java.util.Set;

import jakarta.annotation.Priority;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;

/**
 * Authenticates a call by its bearer token or, without one, by a person's session cookie
 * ({@value #COOKIE}, DESIGN.md section 9.4); an unsafe method (anything but GET, HEAD, OPTIONS)
 * authenticated by the cookie also needs {@value #CSRF_HEADER} equal to the session's csrf
 * token, else 403. A bearer token is never sent by a browser on its own, so it needs no such
 * header. It is not global: {@link Authentication} binds it
 * to every matched resource method that is not {@code @PermitAll}, so what is public is decided
 * by the resource that will answer, never by how the path was spelled. Roles are then checked
 * by {@code @RolesAllowed} on the resources.
 */
@Priority(Priorities.AUTHENTICATION)
public final class BearerAuthFilter implements ContainerRequestFilter {

    private static final String PREFIX = "Bearer ";
    public static final String COOKIE = "tonle_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** The request property holding the session id of a cookie-authenticated request (for sign-out). */
    public static final String SESSION_PROPERTY = "org.tonle.session";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final AccessControl access;
    private final Accounts accounts;

    public BearerAuthFilter(AccessControl access) {
        this(access, null);
    }

    public BearerAuthFilter(AccessControl access, Accounts accounts) {
        this.access = access;
        this.accounts = accounts;
    }

    /** Answered by the HTTP edge's mapper as a problem document, with the challenge header. */
    private static void unauthorized(ContainerRequestContext request, String detail) {
        throw new NotAuthorizedException(detail, "Bearer");
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Cookie cookie = request.getCookies().get(COOKIE);
        if (header == null && cookie != null && accounts != null) {
            session(request, cookie.getValue());
            return;
        }
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            unauthorized(request, "send Authorization: Bearer <token>, or sign in (POST /api/v1/session)");
            return;
        }
        Optional<Caller> caller = access.authenticate(header.substring(PREFIX.length()).trim());
        if (caller.isEmpty()) {
            unauthorized(request, "the bearer token is not known");
            return;
        }
        authenticated(request, caller.get(), "Bearer");
    }

    private void session(ContainerRequestContext request, String sessionId) {
        Optional<Accounts.Authenticated> session = accounts.authenticate(sessionId);
        if (session.isEmpty()) {
            unauthorized(request, "the session has ended (signed out, idle too long or never begun); sign in again");
            return;
        }
        if (!SAFE.contains(request.getMethod())
                && !Accounts.sameToken(session.get().csrf(), request.getHeaderString(CSRF_HEADER))) {
            throw RequestRefused.notPermitted("a request signed in by the session cookie needs the header " + CSRF_HEADER
                    + " with the csrf token that signing in returned");
        }
        request.setProperty(SESSION_PROPERTY, sessionId);
        authenticated(request, session.get().caller(), "Session");
    }

    private static void authenticated(ContainerRequestContext request, Caller found, String scheme) {
        Optional<Caller> caller = Optional.of(found);
        boolean secure = request.getSecurityContext().isSecure();
        request.setSecurityContext(new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
                return caller.get();
            }

            @Override
            public boolean isUserInRole(String role) {
                return caller.get().role().id().equals(role);
            }

            @Override
            public boolean isSecure() {
                return secure;
            }

            @Override
            public String getAuthenticationScheme() {
                return scheme;
            }
        });
    }
}

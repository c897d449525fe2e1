package org.tonle.host.auth;

import java.security.Principal;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;

import org.tonle.core.access.Caller;

/**
 * Authenticates a call by its bearer token. It is not global: {@link Authentication} binds it
 * to every matched resource method that is not {@code @PermitAll}, so what is public is decided
 * by the resource that will answer, never by how the path was spelled. Roles are then checked
 * by {@code @RolesAllowed} on the resources.
 */
@Priority(Priorities.AUTHENTICATION)
public final class BearerAuthFilter implements ContainerRequestFilter {

    private static final String PREFIX = "Bearer ";

    private final AccessControl access;

    public BearerAuthFilter(AccessControl access) {
        this.access = access;
    }

    /** Answered by the HTTP edge's mapper as a problem document, with the challenge header. */
    private static void unauthorized(ContainerRequestContext request, String detail) {
        throw new NotAuthorizedException(detail, "Bearer");
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            unauthorized(request, "send Authorization: Bearer <token>");
            return;
        }
        Optional<Caller> caller = access.authenticate(header.substring(PREFIX.length()).trim());
        if (caller.isEmpty()) {
            unauthorized(request, "the bearer token is not known");
            return;
        }
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
                return "Bearer";
            }
        });
    }
}

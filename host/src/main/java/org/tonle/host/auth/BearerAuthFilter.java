package org.tonle.host.auth;

import java.security.Principal;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import org.tonle.core.access.Caller;
import org.tonle.host.http.Problem;

/**
 * Authenticates every {@code /api/v1} call by its bearer token. Roles are then checked by
 * {@code @RolesAllowed} on the resources.
 */
@Priority(Priorities.AUTHENTICATION)
public final class BearerAuthFilter implements ContainerRequestFilter {

    private static final String PREFIX = "Bearer ";

    private final AccessControl access;

    public BearerAuthFilter(AccessControl access) {
        this.access = access;
    }

    private static void unauthorized(ContainerRequestContext request, String detail) {
        request.abortWith(Response.status(401).type(Problem.MEDIA_TYPE).entity(Problem.of(401, "Unauthorized", detail))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("api/") && !path.equals("metrics")) {
            return;
        }
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

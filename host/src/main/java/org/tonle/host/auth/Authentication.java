package org.tonle.host.auth;

import java.lang.reflect.Method;

import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;

/**
 * Deny by default: every resource method needs a known bearer token unless it (or its class,
 * when the method says nothing else) is {@code @PermitAll}. Decided per matched resource
 * method, after Jersey matched the request: a path that matches nothing is a 404 whatever its
 * spelling ({@code ;x}, {@code %2F}, {@code //}, {@code ..}); one that matches a resource is
 * authenticated whatever its spelling. A path-prefix check before matching let
 * {@code /api;x/v1/...} through.
 */
public final class Authentication implements DynamicFeature {

    private final BearerAuthFilter filter;

    public Authentication(AccessControl access) {
        this(access, null);
    }

    /** Bearer tokens, and people's session cookies when {@code accounts} is not null. */
    public Authentication(AccessControl access, Accounts accounts) {
        this.filter = new BearerAuthFilter(access, accounts);
    }

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        if (!isPublic(resource.getResourceClass(), resource.getResourceMethod())) {
            context.register(filter);
        }
    }

    /** Whether a resource method answers without a token (one rule, {@link RouteAccess}, for the filter and the OpenAPI document). */
    public static boolean isPublic(Class<?> type, Method method) {
        return !RouteAccess.of(type, method).token();
    }
}

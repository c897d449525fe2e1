package org.tonle.host.auth;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;

import org.tonle.core.config.Role;

/**
 * Who may call a route, read from the annotations of its resource method and class, in the
 * order Jersey's {@code RolesAllowedDynamicFeature} enforces them (the method's
 * {@code @DenyAll}, {@code @RolesAllowed} or {@code @PermitAll} first, then the class's). The
 * authentication filter and the OpenAPI document both ask here, so what the document says is
 * what the node does.
 *
 * @param token whether the route needs a bearer token
 * @param roles the roles that may call it; every role when it names none and needs a token,
 *              none for the routes that need no token
 */
public record RouteAccess(boolean token, List<String> roles) {

    public RouteAccess {
        roles = List.copyOf(roles);
    }

    /** Deny by default: a route needs a token unless it is {@code @PermitAll}, whatever its path. */
    public static RouteAccess of(Class<?> resource, Method method) {
        if (permitAll(resource, method)) {
            return new RouteAccess(false, List.of());
        }
        for (AnnotatedElement element : new AnnotatedElement[] {method, resource}) {
            if (element == null) {
                continue;
            }
            if (element.isAnnotationPresent(DenyAll.class)) {
                return new RouteAccess(true, List.of());
            }
            RolesAllowed allowed = element.getAnnotation(RolesAllowed.class);
            if (allowed != null) {
                return new RouteAccess(true, Arrays.stream(allowed.value()).sorted().toList());
            }
            if (element.isAnnotationPresent(PermitAll.class)) {
                break;
            }
        }
        return new RouteAccess(true, Arrays.stream(Role.values()).map(Role::id).sorted().toList());
    }

    /** Documentation ({@code @PermitAll} on an API route) is open to anyone, token or not. */
    private static boolean permitAll(Class<?> resource, Method method) {
        if (method != null && method.isAnnotationPresent(PermitAll.class)) {
            return true;
        }
        return resource != null && resource.isAnnotationPresent(PermitAll.class)
                && (method == null || !method.isAnnotationPresent(RolesAllowed.class) && !method.isAnnotationPresent(DenyAll.class));
    }
}

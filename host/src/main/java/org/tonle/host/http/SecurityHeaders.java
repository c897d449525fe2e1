package org.tonle.host.http;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;

import org.tonle.host.auth.Authentication;

/**
 * Headers on every answer, errors and refusals included. Pages: a Content-Security-Policy that
 * runs only the node's own scripts and lets no other site frame them (with X-Frame-Options for
 * older browsers), no referrer (a URL can carry a period or an office), no type sniffing. API
 * answers carry figures and records of children: {@code Cache-Control: no-store}, so no
 * browser or proxy keeps a copy. Pages set their own caching (their files hold no data).
 */
public final class SecurityHeaders implements ContainerResponseFilter {

    @Context
    private ResourceInfo resource;

    /**
     * Styles may be inline: the chart library positions its tooltips with style attributes.
     * Fonts may be inline: a Khmer report carries its font as a data URI (docs/LANGUAGES.md).
     * Scripts, frames, plug-ins and form targets are the node's own only.
     */
    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:;"
            + " font-src 'self' data:;"
            + " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        MultivaluedMap<String, Object> headers = response.getHeaders();
        headers.putSingle("Content-Security-Policy", POLICY);
        headers.putSingle("X-Frame-Options", "DENY");
        headers.putSingle("Referrer-Policy", "no-referrer");
        headers.putSingle("X-Content-Type-Options", "nosniff");
        if (!headers.containsKey(HttpHeaders.CACHE_CONTROL) || !isPublic()) {
            headers.putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
        }
    }

    /** Whether a public resource (the pages, health) answered: decided by the matched method, not the path's spelling. */
    private boolean isPublic() {
        return resource.getResourceMethod() != null && Authentication.isPublic(resource.getResourceClass(), resource.getResourceMethod());
    }
}

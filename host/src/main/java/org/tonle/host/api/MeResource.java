package org.tonle.host.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.tonle.core.access.Caller;
import org.tonle.host.service.PrincipalService;

/** {@code GET /api/v1/me}: who the bearer token belongs to and what it may do (for the pages). */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public final class MeResource {

    private final PrincipalService principals;

    public MeResource(PrincipalService principals) {
        this.principals = principals;
    }

    @GET
    public PrincipalService.Me me(@Context Caller caller) {
        return principals.me(caller);
    }
}

package org.tonle.host.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.tonle.core.access.Caller;
import org.tonle.host.service.HighlightService;

/**
 * The review of highlights (DESIGN.md 9.3): {@code GET /api/v1/highlights?period=yyyy-mm[&state=..]}
 * (admins: all; staff: their offices) and an admin's {@code approve} and {@code reject}.
 */
@Path("/api/v1/highlights")
@Produces(MediaType.APPLICATION_JSON)
public final class HighlightsResource {

    private final HighlightService highlights;

    public HighlightsResource(HighlightService highlights) {
        this.highlights = highlights;
    }

    @GET
    @RolesAllowed({"admin", "staff"})
    public HighlightService.Month list(@Context Caller caller, @QueryParam("period") String period, @QueryParam("state") String state) {
        return highlights.list(caller, period, state);
    }

    @POST
    @Path("{id}/approve")
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    public HighlightService.Highlight approve(@Context Caller caller, @PathParam("id") String id, HighlightService.Review body) {
        return highlights.approve(caller, id, body);
    }

    @POST
    @Path("{id}/reject")
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    public HighlightService.Highlight reject(@Context Caller caller, @PathParam("id") String id, HighlightService.Review body) {
        return highlights.reject(caller, id, body);
    }
}

package org.tonle.host.api;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.tonle.core.access.Caller;
import org.tonle.host.service.ProgrammeService;

/** {@code GET /api/v1/programs}: deployed programmes, their state, activities and indicators; and the bundles. */
@Path("/api/v1/programs")
@Produces(MediaType.APPLICATION_JSON)
public final class ProgramsResource {

    private final ProgrammeService programmes;

    public ProgramsResource(ProgrammeService programmes) {
        this.programmes = programmes;
    }

    @GET
    public List<ProgrammeService.ProgrammeView> list(@Context Caller caller) {
        return programmes.list(caller);
    }

    /** {@code GET /api/v1/programs/bundles}: every OSGi bundle of the node ({@code bin/tonle bundles}). */
    @GET
    @Path("bundles")
    @RolesAllowed({"admin", "analyst", "staff"})
    public List<ProgrammeService.BundleView> bundles(@Context Caller caller) {
        return programmes.bundles(caller);
    }
}

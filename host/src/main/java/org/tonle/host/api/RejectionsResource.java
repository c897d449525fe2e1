package org.tonle.host.api;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.tonle.core.access.Caller;
import org.tonle.host.service.RejectionService;

/** The dead-letter store: {@code GET /api/v1/rejections} and {@code POST /api/v1/rejections/replay}. */
@Path("/api/v1/rejections")
@RolesAllowed({"staff", "admin"})
@Produces(MediaType.APPLICATION_JSON)
public final class RejectionsResource {

    private final RejectionService rejections;

    public RejectionsResource(RejectionService rejections) {
        this.rejections = rejections;
    }

    @GET
    public List<RejectionService.Rejection> list(@Context Caller caller, @QueryParam("status") @DefaultValue("open") String status,
                                                 @QueryParam("program") String program, @QueryParam("office") String office,
                                                 @QueryParam("rule") String rule, @QueryParam("limit") @DefaultValue("1000") int limit) {
        return rejections.list(caller, "all".equals(status) ? null : status, program, office, rule, limit);
    }

    @POST
    @Path("replay")
    @Consumes(MediaType.APPLICATION_JSON)
    public RejectionService.Replayed replay(@Context Caller caller, RejectionService.Replay request) {
        return rejections.replay(caller, request);
    }
}

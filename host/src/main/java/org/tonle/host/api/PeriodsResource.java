package org.tonle.host.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.tonle.core.access.Caller;
import org.tonle.host.service.PeriodService;

/**
 * The monthly cycle (DESIGN.md 9.3): {@code GET /api/v1/periods/{yyyy-mm}} and its
 * {@code submit}, {@code approve} and {@code reopen}.
 */
@Path("/api/v1/periods/{period}")
@Produces(MediaType.APPLICATION_JSON)
public final class PeriodsResource {

    private final PeriodService periods;

    public PeriodsResource(PeriodService periods) {
        this.periods = periods;
    }

    @GET
    @RolesAllowed({"admin", "staff", "analyst", "donor"})
    public PeriodService.Month month(@Context Caller caller, @PathParam("period") String period) {
        return periods.month(caller, period);
    }

    @POST
    @Path("submit")
    @RolesAllowed({"staff", "admin"})
    @Consumes(MediaType.APPLICATION_JSON)
    public PeriodService.Month submit(@Context Caller caller, @PathParam("period") String period, PeriodService.Selection body) {
        return periods.submit(caller, period, body);
    }

    @POST
    @Path("approve")
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    public PeriodService.Month approve(@Context Caller caller, @PathParam("period") String period, PeriodService.Selection body) {
        return periods.approve(caller, period, body);
    }

    @POST
    @Path("reopen")
    @RolesAllowed("admin")
    @Consumes(MediaType.APPLICATION_JSON)
    public PeriodService.Month reopen(@Context Caller caller, @PathParam("period") String period, PeriodService.Selection body) {
        return periods.reopen(caller, period, body);
    }
}

package org.tonle.host.api;

import java.util.function.BooleanSupplier;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.host.api.wire.Health;

/**
 * {@code GET /health}: readiness, 200 only once the node answers correctly (programmes live and,
 * under {@code demo}, the demo data loaded), 503 before that, so that scripts polling it never
 * read empty figures. {@code GET /health/live}: liveness, 200 as soon as HTTP serves.
 */
@Path("/health")
@PermitAll
public final class HealthResource {

    private final BooleanSupplier ready;

    public HealthResource(BooleanSupplier ready) {
        this.ready = ready;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        return ready.getAsBoolean()
                ? Response.ok(new Health("ready")).build()
                : Response.status(Response.Status.SERVICE_UNAVAILABLE).entity(new Health("starting")).build();
    }

    @GET
    @Path("live")
    @Produces(MediaType.APPLICATION_JSON)
    public Health live() {
        return new Health("live");
    }
}

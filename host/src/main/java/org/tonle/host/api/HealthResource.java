package org.tonle.host.api;

import java.util.Map;
import java.util.function.BooleanSupplier;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /health}: readiness, 200 only once the node answers correctly (programmes live and,
 * under {@code demo}, the demo data loaded), 503 before that, so that scripts polling it never
 * read empty figures. {@code GET /health/live}: liveness, 200 as soon as HTTP serves.
 */
@Path("/health")
public final class HealthResource {

    private final BooleanSupplier ready;

    public HealthResource(BooleanSupplier ready) {
        this.ready = ready;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        return ready.getAsBoolean()
                ? Response.ok(Map.of("status", "ready")).build()
                : Response.status(Response.Status.SERVICE_UNAVAILABLE).entity(Map.of("status", "starting")).build();
    }

    @GET
    @Path("live")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> live() {
        return Map.of("status", "live");
    }
}

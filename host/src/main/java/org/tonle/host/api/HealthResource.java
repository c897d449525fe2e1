package org.tonle.host.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.tonle.host.api.wire.Health;

/** {@code GET /health}: 200 once the node serves (the server starts last). */
@Path("/health")
public final class HealthResource {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Health health() {
        return new Health("ok");
    }
}

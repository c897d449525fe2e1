package org.tonle.host.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.tonle.host.service.StatusService;

/** {@code GET /api/v1/status}: node and transport state (outbox depth, last forwards, consumer lag). */
@Path("/api/v1/status")
@RolesAllowed("admin")
public final class StatusResource {

    private final StatusService status;

    public StatusResource(StatusService status) {
        this.status = status;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public StatusService.Status status() {
        return status.status();
    }
}

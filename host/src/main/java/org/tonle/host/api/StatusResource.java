package org.tonle.host.api;

import java.util.function.Supplier;

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

    private final Supplier<StatusService> status;

    /**
     * @param status the node's status, given late: the service needs the transport, which starts
     *               only once the programmes are live, after this resource is built (the node binds
     *               its port after both, so no request comes first)
     */
    public StatusResource(Supplier<StatusService> status) {
        this.status = status;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public StatusService.Status status() {
        return status.get().status();
    }
}

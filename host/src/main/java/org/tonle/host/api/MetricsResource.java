package org.tonle.host.api;

import java.util.function.Supplier;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

import org.tonle.host.service.StatusService;

/**
 * {@code GET /metrics}: the figures of {@code /api/v1/status} for Prometheus (admin bearer
 * token), in the Prometheus text format or OpenMetrics, by {@code Accept}.
 */
@Path("/metrics")
@RolesAllowed("admin")
public final class MetricsResource {

    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    public static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final Supplier<StatusService> status;

    /**
     * @param status the node's status, given late: the service needs the transport, which starts
     *               only once the programmes are live, after this resource is built (the node binds
     *               its port after both, so no request comes first)
     */
    public MetricsResource(Supplier<StatusService> status) {
        this.status = status;
    }

    @GET
    @Produces(PROMETHEUS_TEXT)
    public String prometheus() {
        return status.get().scrape(PROMETHEUS_TEXT);
    }

    @GET
    @Produces(OPENMETRICS_TEXT)
    public String openMetrics() {
        return status.get().scrape(OPENMETRICS_TEXT);
    }
}

package org.tonle.host.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.tonle.host.api.wire.AuditEntries;
import org.tonle.host.service.AuditService;

/**
 * {@code GET /api/v1/audit?principal=&action=&since=&before=&limit=}: the audit log, for admins,
 * newest first; {@code before} (an entry's id) gives the page of older entries.
 */
@Path("/api/v1/audit")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public final class AuditResource {

    private final AuditService audit;

    public AuditResource(AuditService audit) {
        this.audit = audit;
    }

    @GET
    public AuditEntries list(@QueryParam("principal") String principal, @QueryParam("action") String action,
                             @QueryParam("since") String since, @QueryParam("before") String before,
                             @QueryParam("limit") String limit) {
        return new AuditEntries(audit.list(principal, action, since, before, limit));
    }
}

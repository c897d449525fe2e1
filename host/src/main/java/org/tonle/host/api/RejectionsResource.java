package org.tonle.host.api;

import java.util.Arrays;
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
import jakarta.ws.rs.core.Response;

import org.tonle.core.access.Caller;
import org.tonle.host.http.TableWriters;
import org.tonle.host.service.RejectionService;

/**
 * The dead-letter store: {@code GET /api/v1/rejections}, {@code POST /api/v1/rejections/replay}
 * and {@code POST /api/v1/rejections/dismiss}.
 */
@Path("/api/v1/rejections")
@RolesAllowed({"staff", "admin"})
public final class RejectionsResource {

    private final RejectionService rejections;

    public RejectionsResource(RejectionService rejections) {
        this.rejections = rejections;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<RejectionService.Rejection> list(@Context Caller caller, @QueryParam("status") @DefaultValue("open") String status,
                                                 @QueryParam("program") String program, @QueryParam("office") String office,
                                                 @QueryParam("rule") String rule, @QueryParam("limit") @DefaultValue("1000") int limit) {
        return rejections.list(caller, "all".equals(status) ? null : status, program, office, rule, limit);
    }

    /** The same list as a workbook, one row per rejected field, for an office to fix its sheet from. */
    @GET
    @Produces(TableWriters.XLSX)
    public Response listXlsx(@Context Caller caller, @QueryParam("status") @DefaultValue("open") String status,
                             @QueryParam("program") String program, @QueryParam("office") String office,
                             @QueryParam("rule") String rule, @QueryParam("limit") @DefaultValue("1000") int limit) {
        List<RejectionService.Rejection> list = list(caller, status, program, office, rule, Math.min(limit, TableWriters.XLSX_MAX_ROWS));
        List<String> columns = List.of("id", "received_at", "principal", "source", "line", "record_id", "program", "office", "field",
                "rule", "reason", "status");
        List<List<Object>> rows = list.stream().map(r -> Arrays.<Object>asList(r.id(), r.receivedAt() == null ? null
                : r.receivedAt().toString(), r.principal(), r.source(), r.line(), r.recordId(), r.program(), r.office(), r.field(), r.rule(),
                r.reason(), r.status())).toList();
        return IndicatorsResource.download(TableWriters.xlsx(columns, rows, "rejections"), TableWriters.XLSX, "rejections.xlsx");
    }

    @POST
    @Path("replay")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public RejectionService.Replayed replay(@Context Caller caller, RejectionService.Replay request) {
        return rejections.replay(caller, request);
    }

    /** Dismisses open rejections with a reason: {@code {"ids": [...], "reason": "..."}}. */
    @POST
    @Path("dismiss")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public RejectionService.Dismissed dismiss(@Context Caller caller, RejectionService.Dismiss request) {
        return rejections.dismiss(caller, request);
    }
}

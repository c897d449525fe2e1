package org.tonle.host.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import org.tonle.host.service.IndicatorService;
import org.tonle.warehouse.indicators.Cell;

/** The indicator catalogue and indicator values, as JSON or CSV by {@code Accept}. */
@Path("/api/v1/indicators")
public final class IndicatorsResource {

    public static final String CSV = "text/csv";

    private final IndicatorService indicators;

    public IndicatorsResource(IndicatorService indicators) {
        this.indicators = indicators;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> catalogue(@Context SecurityContext security) {
        return Map.of("indicators", indicators.catalogue(ActivitiesResource.caller(security)));
    }

    @GET
    @Path("{code}/values")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> values(@Context SecurityContext security, @PathParam("code") String code,
                                      @QueryParam("period") List<String> period, @QueryParam("office") String office,
                                      @QueryParam("by") List<String> by) {
        IndicatorService.Values values = indicators.values(ActivitiesResource.caller(security), code, period, office, by);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("indicator", values.indicator());
        body.put("name", values.name());
        body.put("unit", values.unit());
        body.put("rows", values.cells().stream().map(IndicatorsResource::row).toList());
        return body;
    }

    @GET
    @Path("{code}/values")
    @Produces(CSV)
    public Response valuesCsv(@Context SecurityContext security, @PathParam("code") String code,
                              @QueryParam("period") List<String> period, @QueryParam("office") String office,
                              @QueryParam("by") List<String> by) {
        IndicatorService.Values values = indicators.values(ActivitiesResource.caller(security), code, period, office, by);
        StringBuilder csv = new StringBuilder("period");
        values.by().forEach(d -> csv.append(',').append(d));
        csv.append(",value,suppressed\n");
        for (Cell cell : values.cells()) {
            csv.append(cell.period());
            cell.dimensions().values().forEach(v -> csv.append(',').append(v));
            csv.append(',').append(cell.value() == null ? "" : cell.value()).append(',').append(cell.suppressed()).append('\n');
        }
        return Response.ok(csv.toString(), CSV + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + code + ".csv\"").build();
    }

    static Map<String, Object> row(Cell cell) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("period", cell.period());
        row.putAll(cell.dimensions());
        row.put("value", cell.value());
        row.put("suppressed", cell.suppressed());
        return row;
    }
}

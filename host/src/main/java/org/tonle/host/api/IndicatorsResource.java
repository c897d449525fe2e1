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
import jakarta.ws.rs.core.StreamingOutput;

import org.tonle.host.http.TableWriters;
import org.tonle.host.service.IndicatorService;
import org.tonle.warehouse.indicators.Cell;

/** The indicator catalogue and indicator values, as JSON, CSV, Arrow or xlsx by {@code Accept}. */
@Path("/api/v1/indicators")
public final class IndicatorsResource {

    public static final String CSV = TableWriters.CSV;

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
        if (!values.targets().isEmpty()) {
            body.put("targets", values.targets());
        }
        return body;
    }

    @GET
    @Path("{code}/values")
    @Produces(CSV)
    public Response valuesCsv(@Context SecurityContext security, @PathParam("code") String code,
                              @QueryParam("period") List<String> period, @QueryParam("office") String office,
                              @QueryParam("by") List<String> by) {
        IndicatorService.Values values = indicators.values(ActivitiesResource.caller(security), code, period, office, by);
        return download(TableWriters.csv(IndicatorService.table(values)), CSV + "; charset=utf-8", code + ".csv");
    }

    @GET
    @Path("{code}/values")
    @Produces(TableWriters.ARROW_STREAM)
    public Response valuesArrow(@Context SecurityContext security, @PathParam("code") String code,
                                @QueryParam("period") List<String> period, @QueryParam("office") String office,
                                @QueryParam("by") List<String> by) {
        IndicatorService.Values values = indicators.values(ActivitiesResource.caller(security), code, period, office, by);
        return download(TableWriters.arrow(IndicatorService.table(values)), TableWriters.ARROW_STREAM, code + ".arrows");
    }

    @GET
    @Path("{code}/values")
    @Produces(TableWriters.XLSX)
    public Response valuesXlsx(@Context SecurityContext security, @PathParam("code") String code,
                               @QueryParam("period") List<String> period, @QueryParam("office") String office,
                               @QueryParam("by") List<String> by) {
        IndicatorService.Values values = indicators.values(ActivitiesResource.caller(security), code, period, office, by);
        return download(TableWriters.xlsx(IndicatorService.table(values), code), TableWriters.XLSX, code + ".xlsx");
    }

    static Response download(StreamingOutput body, String type, String filename) {
        return Response.ok(body, type).header("Content-Disposition", "attachment; filename=\"" + filename + "\"").build();
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

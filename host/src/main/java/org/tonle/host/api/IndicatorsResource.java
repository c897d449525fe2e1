package org.tonle.host.api;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.tonle.core.access.Caller;
import org.tonle.core.i18n.Language;
import org.tonle.host.api.wire.Catalogue;
import org.tonle.host.api.wire.IndicatorValues;
import org.tonle.host.api.wire.ValueRow;
import org.tonle.host.http.TableWriters;
import org.tonle.warehouse.indicators.IndicatorService;

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
    public Catalogue catalogue(@Context Caller caller, @Context Language language) {
        return new Catalogue(indicators.catalogue(caller, language));
    }

    @GET
    @Path("{code}/values")
    @Produces(MediaType.APPLICATION_JSON)
    public IndicatorValues values(@Context Caller caller, @Context Language language, @PathParam("code") String code,
                                      @QueryParam("period") List<String> period, @QueryParam("office") String office,
                                      @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Values values = indicators.values(caller, code, period, office, by, revision);
        String name = language == Language.EN ? values.name() : indicators.name(code, language).orElse(values.name());
        return new IndicatorValues(values.indicator(), name, values.unit(),
                values.cells().stream().map(c -> ValueRow.of(c, values.revisionOf(c))).toList(), values.targets());
    }

    @GET
    @Path("{code}/values")
    @Produces(CSV)
    public Response valuesCsv(@Context Caller caller, @PathParam("code") String code,
                              @QueryParam("period") List<String> period, @QueryParam("office") String office,
                              @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Values values = indicators.values(caller, code, period, office, by, revision);
        return download(TableWriters.csv(IndicatorTables.table(values)), CSV + "; charset=utf-8", code + ".csv");
    }

    @GET
    @Path("{code}/values")
    @Produces(TableWriters.ARROW_STREAM)
    public Response valuesArrow(@Context Caller caller, @PathParam("code") String code,
                                @QueryParam("period") List<String> period, @QueryParam("office") String office,
                                @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Values values = indicators.values(caller, code, period, office, by, revision);
        return download(TableWriters.arrow(IndicatorTables.table(values)), TableWriters.ARROW_STREAM, code + ".arrows");
    }

    @GET
    @Path("{code}/values")
    @Produces(TableWriters.XLSX)
    public Response valuesXlsx(@Context Caller caller, @PathParam("code") String code,
                               @QueryParam("period") List<String> period, @QueryParam("office") String office,
                               @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Values values = indicators.values(caller, code, period, office, by, revision);
        return download(TableWriters.xlsx(IndicatorTables.table(values), code), TableWriters.XLSX, code + ".xlsx");
    }

    static Response download(StreamingOutput body, String type, String filename) {
        return Response.ok(body, type).header("Content-Disposition", "attachment; filename=\"" + filename + "\"").build();
    }
}

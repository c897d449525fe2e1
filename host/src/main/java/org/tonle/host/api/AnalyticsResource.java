package org.tonle.host.api;

import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.host.auth.Caller;
import org.tonle.host.http.TableWriters;
import org.tonle.host.service.IndicatorService;
import org.tonle.host.service.Table;
import org.tonle.warehouse.indicators.Cell;

/**
 * Several indicators in one table for dashboards, shaped like DHIS2's analytics answer
 * (headers, rows, metaData with names); see docs/ANALYTICS-API.md.
 */
@Path("/api/v1/analytics")
public final class AnalyticsResource {

    private final IndicatorService indicators;

    public AnalyticsResource(IndicatorService indicators) {
        this.indicators = indicators;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> json(@Context Caller caller, @QueryParam("indicator") List<String> indicator,
                                    @QueryParam("period") List<String> period, @QueryParam("office") String office,
                                    @QueryParam("by") List<String> by) {
        IndicatorService.Analytics analytics = indicators.analytics(caller, indicator, period, office, by);
        Table table = IndicatorService.table(analytics);
        List<Map<String, Object>> headers = new ArrayList<>();
        for (Table.Column column : table.columns()) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("name", column.name());
            header.put("column", column.name().substring(0, 1).toUpperCase(Locale.ROOT) + column.name().substring(1).replace('_', ' '));
            header.put("valueType", column.type().name());
            headers.add(header);
        }
        Map<String, Object> items = new LinkedHashMap<>();
        Map<String, Set<String>> dimensions = new LinkedHashMap<>();
        dimensions.put("indicator", new LinkedHashSet<>());
        dimensions.put("period", new LinkedHashSet<>());
        analytics.by().forEach(d -> dimensions.put(d, new LinkedHashSet<>()));
        List<Object> targets = new ArrayList<>();
        for (IndicatorService.Values values : analytics.values()) {
            items.put(values.indicator(), Map.of("name", values.name(), "unit", values.unit()));
            dimensions.get("indicator").add(values.indicator());
            for (Cell cell : values.cells()) {
                dimensions.get("period").add(cell.period());
                items.putIfAbsent(cell.period(), Map.of("name", periodName(cell.period())));
                cell.dimensions().forEach((d, v) -> {
                    dimensions.get(d).add(v);
                    items.putIfAbsent(v, Map.of("name", indicators.displayName(d, v)));
                });
            }
            for (IndicatorService.Achievement a : values.targets()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("indicator", values.indicator());
                t.put("period", a.period());
                t.put("target", a.target());
                t.put("baseline", a.baseline());
                t.put("value", a.value());
                t.put("achievement", a.achievement());
                targets.add(t);
            }
        }
        Map<String, Object> metaData = new LinkedHashMap<>();
        metaData.put("items", items);
        metaData.put("dimensions", dimensions);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("headers", headers);
        body.put("metaData", metaData);
        body.put("rows", table.rows());
        body.put("targets", targets);
        body.put("height", table.rows().size());
        body.put("width", table.columns().size());
        return body;
    }

    @GET
    @Produces(TableWriters.CSV)
    public Response csv(@Context Caller caller, @QueryParam("indicator") List<String> indicator,
                        @QueryParam("period") List<String> period, @QueryParam("office") String office,
                        @QueryParam("by") List<String> by) {
        IndicatorService.Analytics analytics = indicators.analytics(caller, indicator, period, office, by);
        return IndicatorsResource.download(TableWriters.csv(IndicatorService.table(analytics)), TableWriters.CSV + "; charset=utf-8",
                "analytics.csv");
    }

    @GET
    @Produces(TableWriters.ARROW_STREAM)
    public Response arrow(@Context Caller caller, @QueryParam("indicator") List<String> indicator,
                          @QueryParam("period") List<String> period, @QueryParam("office") String office,
                          @QueryParam("by") List<String> by) {
        IndicatorService.Analytics analytics = indicators.analytics(caller, indicator, period, office, by);
        return IndicatorsResource.download(TableWriters.arrow(IndicatorService.table(analytics)), TableWriters.ARROW_STREAM,
                "analytics.arrows");
    }

    /** "August 2015", "2015-Q3", "2015": names for dashboards' axes. */
    private static String periodName(String label) {
        if (label.matches("\\d{4}-\\d{2}")) {
            return YearMonth.parse(label).format(DateTimeFormatter.ofPattern("MMMM yyyy", Locale.ENGLISH));
        }
        if (label.matches("\\d{4}-Q[1-4]")) {
            return "Q" + label.charAt(6) + " " + label.substring(0, 4);
        }
        return label;
    }
}

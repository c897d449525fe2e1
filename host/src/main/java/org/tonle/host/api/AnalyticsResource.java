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

import org.tonle.core.access.Caller;
import org.tonle.host.api.wire.AnalyticsAnswer;
import org.tonle.host.http.Table;
import org.tonle.host.http.TableWriters;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorService;

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
    public AnalyticsAnswer json(@Context Caller caller, @QueryParam("indicator") List<String> indicator,
                                @QueryParam("period") List<String> period, @QueryParam("office") String office,
                                @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Analytics analytics = indicators.analytics(caller, indicator, period, office, by, revision);
        Table table = IndicatorTables.table(analytics);
        List<AnalyticsAnswer.Header> headers = new ArrayList<>();
        for (Table.Column column : table.columns()) {
            headers.add(new AnalyticsAnswer.Header(column.name(),
                    column.name().substring(0, 1).toUpperCase(Locale.ROOT) + column.name().substring(1).replace('_', ' '),
                    column.type().name()));
        }
        Map<String, AnalyticsAnswer.Item> items = new LinkedHashMap<>();
        Map<String, Set<String>> dimensions = new LinkedHashMap<>();
        dimensions.put("indicator", new LinkedHashSet<>());
        dimensions.put("period", new LinkedHashSet<>());
        analytics.by().forEach(d -> dimensions.put(d, new LinkedHashSet<>()));
        List<AnalyticsAnswer.Target> targets = new ArrayList<>();
        for (IndicatorService.Values values : analytics.values()) {
            items.put(values.indicator(), new AnalyticsAnswer.Item(values.name(), values.unit()));
            dimensions.get("indicator").add(values.indicator());
            for (Cell cell : values.cells()) {
                dimensions.get("period").add(cell.period());
                items.putIfAbsent(cell.period(), new AnalyticsAnswer.Item(periodName(cell.period()), null));
                cell.dimensions().forEach((d, v) -> {
                    dimensions.get(d).add(v);
                    items.putIfAbsent(v, new AnalyticsAnswer.Item(indicators.displayName(d, v), null));
                });
            }
            for (IndicatorService.Achievement a : values.targets()) {
                targets.add(new AnalyticsAnswer.Target(values.indicator(), a.period(), a.targetPeriod(), a.office(), a.target(),
                        a.baseline(), a.value(), a.achievement()));
            }
        }
        return new AnalyticsAnswer(headers, new AnalyticsAnswer.MetaData(items, dimensions), table.rows(), targets,
                table.rows().size(), table.columns().size());
    }

    @GET
    @Produces(TableWriters.CSV)
    public Response csv(@Context Caller caller, @QueryParam("indicator") List<String> indicator,
                        @QueryParam("period") List<String> period, @QueryParam("office") String office,
                        @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Analytics analytics = indicators.analytics(caller, indicator, period, office, by, revision);
        return IndicatorsResource.download(TableWriters.csv(IndicatorTables.table(analytics)), TableWriters.CSV + "; charset=utf-8",
                "analytics.csv");
    }

    @GET
    @Produces(TableWriters.ARROW_STREAM)
    public Response arrow(@Context Caller caller, @QueryParam("indicator") List<String> indicator,
                          @QueryParam("period") List<String> period, @QueryParam("office") String office,
                          @QueryParam("by") List<String> by, @QueryParam("revision") String revision) {
        IndicatorService.Analytics analytics = indicators.analytics(caller, indicator, period, office, by, revision);
        return IndicatorsResource.download(TableWriters.arrow(IndicatorTables.table(analytics)), TableWriters.ARROW_STREAM,
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

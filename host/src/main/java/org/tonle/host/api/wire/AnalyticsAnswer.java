package org.tonle.host.api.wire;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code GET /api/v1/analytics} as JSON, shaped like DHIS2's analytics answer (docs/ANALYTICS-API.md).
 *
 * @param rows one row per cell, in the order of {@code headers}
 */
public record AnalyticsAnswer(List<Header> headers, MetaData metaData, List<List<Object>> rows, List<Target> targets,
                              int height, int width) {

    /** A column: its name, a caption for people, and TEXT, INTEGER, NUMBER or BOOLEAN. */
    public record Header(String name, String column, String valueType) {
    }

    /**
     * @param items      display names of indicators (with their unit), periods and dimension values
     * @param dimensions the values present per dimension, {@code indicator} and {@code period} first
     */
    public record MetaData(Map<String, Item> items, Map<String, Set<String>> dimensions) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Item(String name, String unit) {
    }

    /**
     * A period's target and baseline, its own or its quarter's or year's ({@code targetPeriod}),
     * with the achievement where one can be given.
     */
    public record Target(String indicator, String period, String targetPeriod, @JsonInclude(JsonInclude.Include.NON_NULL) String office,
                         Double target, Double baseline, Number value, Double achievement) {
    }
}

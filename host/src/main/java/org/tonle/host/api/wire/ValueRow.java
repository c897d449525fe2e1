package org.tonle.host.api.wire;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.swagger.v3.oas.annotations.media.Schema;

import org.tonle.warehouse.indicators.Cell;

/**
 * One cell of an indicator's values: its period, then one member per {@code by} dimension
 * ({@code "sex": "F"}), then the value, {@code null} when suppressed for a donor, and the
 * revision it was read from.
 */
@JsonPropertyOrder({"period", "dimensions", "value", "suppressed", "revision"})
@Schema(description = "period, then one member per by dimension (\"sex\": \"F\"), then value and suppressed",
        additionalProperties = Schema.AdditionalPropertiesValue.TRUE)
public record ValueRow(String period,
                       @JsonAnyGetter @Schema(hidden = true) Map<String, String> dimensions,
                       Number value, boolean suppressed,
                       @JsonInclude(JsonInclude.Include.NON_NULL)
                       @Schema(description = "approved: the figure frozen when the period was approved; current: today's;"
                                       + " unapproved: a donor's row of a period not approved (no value)",
                               allowableValues = {"approved", "current", "unapproved"}) String revision) {

    public static ValueRow of(Cell cell) {
        return of(cell, null);
    }

    /** With the revision the figure comes from (DESIGN.md 9.3). */
    public static ValueRow of(Cell cell, String revision) {
        return new ValueRow(cell.period(), cell.dimensions(), cell.value(), cell.suppressed(), revision);
    }
}

package org.tonle.host.api.wire;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.tonle.warehouse.indicators.IndicatorService;

/**
 * {@code GET /api/v1/indicators/{code}/values} as JSON.
 *
 * @param targets left out when no requested period has a target or baseline
 */
public record IndicatorValues(String indicator, String name, String unit, List<ValueRow> rows,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) List<IndicatorService.Achievement> targets) {
}

package org.tonle.host.api.wire;

import java.util.List;

import org.tonle.warehouse.indicators.IndicatorService;

/** {@code GET /api/v1/indicators}: the indicators the caller may read. */
public record Catalogue(List<IndicatorService.CatalogueEntry> indicators) {
}

package org.tonle.warehouse.indicators;

import java.util.List;

import org.tonle.core.declaration.Indicator;

/**
 * What to compute: an indicator over periods, optionally for one office, broken down by up to
 * two dimensions the indicator allows.
 */
public record IndicatorQuery(Indicator indicator, List<Period> periods, String office, List<String> by) {

    public IndicatorQuery {
        periods = List.copyOf(periods);
        by = by == null ? List.of() : List.copyOf(by);
    }
}

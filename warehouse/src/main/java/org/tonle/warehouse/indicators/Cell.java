package org.tonle.warehouse.indicators;

import java.util.Map;

/**
 * One value of an indicator: a period and one value per {@code by} dimension. {@code value}
 * is a whole number for counts and a decimal for ratios; {@code null} when it cannot be given
 * (a ratio over zero, or suppressed for a donor).
 */
public record Cell(String period, Map<String, String> dimensions, Number value, boolean suppressed) {

    public Cell withSuppressed() {
        return new Cell(period, dimensions, null, true);
    }
}

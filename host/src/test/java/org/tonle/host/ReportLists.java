package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The items of a report sentence's list, read from the indicator API: "Hotline (15)" per
 * category with a value, zeros left out, in the declared order; a withheld category as
 * withheld, and never named when names alone are listed. The report of an approved month reads
 * the approved release, so these are read with {@code revision=approved}.
 */
final class ReportLists {

    private ReportLists() {
    }

    static List<String> items(TestNode node, String code, String dimension, Map<String, String> names, boolean withValues,
                              String withheld) {
        List<String> items = new ArrayList<>();
        for (JsonNode row : node.get("/api/v1/indicators/" + code + "/values?period=2015-08&revision=approved&by=" + dimension).json()
                .path("rows")) {
            boolean hidden = row.path("suppressed").asBoolean();
            if (hidden ? withValues : row.path("value").asLong() > 0) {
                String value = row.path(dimension).asText();
                String name = names.getOrDefault(value, value.replace('_', ' '));
                items.add(withValues ? name + " (" + (hidden ? withheld : row.path("value").asText()) + ")" : name);
            }
        }
        assertThat(items).as(code + " by " + dimension).hasSizeGreaterThan(1);
        return items;
    }
}

package org.tonle.core.declaration;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A declared indicator. {@code activity} and the lists under {@code where} accept a single value
 * or a list in YAML.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Indicator(
        String code,
        Localized name,
        Measure measure,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> activity,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) Map<String, List<String>> where,
        List<String> by,
        String unit,
        Boolean sensitive,
        String numerator,
        String denominator,
        Double factor) {

    public Indicator {
        activity = activity == null ? List.of() : List.copyOf(activity);
        where = where == null ? Map.of() : Map.copyOf(where);
        by = by == null ? List.of() : List.copyOf(by);
    }

    /** The programme id, the part of the code before the first dot. */
    @JsonIgnore
    public String programme() {
        int dot = code.indexOf('.');
        return dot < 0 ? code : code.substring(0, dot);
    }

    @JsonIgnore
    public String effectiveUnit() {
        if (unit != null) {
            return unit;
        }
        if (measure == Measure.RATIO && factor != null && factor == 100) {
            return "percent";
        }
        return measure.defaultUnit();
    }

    @JsonIgnore
    public boolean isSensitive() {
        return Boolean.TRUE.equals(sensitive);
    }
}

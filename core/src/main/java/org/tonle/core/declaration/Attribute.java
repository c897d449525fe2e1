package org.tonle.core.declaration;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A declared attribute of an activity; records may carry only declared attributes. An enum's
 * {@code labels} name its values for people, by language ({@code labels: {court: {en: Court,
 * km: តុលាការ}}}); records always carry the value itself. Labels are optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attribute(
        String name,
        AttributeType type,
        List<String> values,
        @JsonProperty("max_length") Integer maxLength,
        Long min,
        Long max,
        Boolean required,
        Map<String, Localized> labels) {

    /**
     * The longest {@code max_length} a text attribute may declare: every text is searched for
     * case codes on ingest, at a cost of tens to hundreds of keyed hashes a character, and a
     * longer text is rejected before that search (docs/PERIODS.md, "Highlights review").
     */
    public static final int MAX_TEXT_LENGTH = 8_192;

    public Attribute {
        values = values == null ? List.of() : List.copyOf(values);
        labels = labels == null || labels.isEmpty() ? null : Map.copyOf(labels);
    }

    /** An attribute without labels, as declarations before labels were written. */
    public Attribute(String name, AttributeType type, List<String> values, Integer maxLength, Long min, Long max, Boolean required) {
        this(name, type, values, maxLength, min, max, required, null);
    }

    /** The label of an enum value in a language (English, else the value itself, when none is declared). */
    public String label(String value, String language) {
        Localized label = labels == null ? null : labels.get(value);
        return label == null ? value : label.in(language);
    }

    public boolean isRequired() {
        return Boolean.TRUE.equals(required);
    }
}

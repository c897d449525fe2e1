package org.tonle.core.declaration;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A declared attribute of an activity; records may carry only declared attributes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attribute(
        String name,
        AttributeType type,
        List<String> values,
        @JsonProperty("max_length") Integer maxLength,
        Long min,
        Long max,
        Boolean required) {

    public Attribute {
        values = values == null ? List.of() : List.copyOf(values);
    }

    public boolean isRequired() {
        return Boolean.TRUE.equals(required);
    }
}

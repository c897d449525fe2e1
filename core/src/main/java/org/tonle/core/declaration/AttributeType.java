package org.tonle.core.declaration;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum AttributeType {
    @JsonProperty("enum") ENUM,
    @JsonProperty("text") TEXT,
    @JsonProperty("integer") INTEGER,
    @JsonProperty("boolean") BOOLEAN,
    @JsonProperty("date") DATE
}

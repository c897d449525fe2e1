package org.tonle.core.declaration;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether an activity's records carry a subject block. */
public enum SubjectRule {
    @JsonProperty("required") REQUIRED,
    @JsonProperty("optional") OPTIONAL,
    @JsonProperty("none") NONE
}

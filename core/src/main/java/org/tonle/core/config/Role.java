package org.tonle.core.config;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum Role {
    @JsonProperty("admin") ADMIN,
    @JsonProperty("staff") STAFF,
    @JsonProperty("analyst") ANALYST,
    @JsonProperty("donor") DONOR;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package org.tonle.core.config;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A principal of access.yaml. Only the token's SHA-256 is stored.
 *
 * @param programs donors: the programmes their agreement covers
 * @param offices  staff: the offices they record for
 */
public record PrincipalConfig(
        String name,
        Role role,
        @JsonProperty("token_sha256") String tokenSha256,
        List<String> programs,
        List<String> offices) {

    public PrincipalConfig {
        programs = programs == null ? List.of() : List.copyOf(programs);
        offices = offices == null ? List.of() : List.copyOf(offices);
    }
}

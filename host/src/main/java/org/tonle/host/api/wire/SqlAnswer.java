package org.tonle.host.api.wire;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code POST /api/v1/sql} as JSON.
 *
 * @param truncated whether the answer was cut, by the row cap ({@code limit}) or the byte cap
 * @param cut       why it was cut, in words, when the byte cap cut it; absent otherwise
 * @param asOf      the instant (ISO 8601) up to which the analyst snapshot the answer was read
 *                  from holds every commit; it is never before the request arrived
 */
public record SqlAnswer(List<String> columns, List<String> types, List<List<Object>> rows, boolean truncated,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String cut, @JsonProperty("as_of") String asOf) {
}

package org.tonle.host.api.wire;

import java.util.List;

/**
 * {@code POST /api/v1/sql} as JSON.
 *
 * @param truncated whether the row cap ({@code limit}) cut the answer
 */
public record SqlAnswer(List<String> columns, List<String> types, List<List<Object>> rows, boolean truncated) {
}

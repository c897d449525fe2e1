package org.tonle.warehouse;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The UTF-8 bytes of the text values a commit repeats on every row (programme, activity, office,
 * role, sex, age band, principal, source, the attributes' JSON), encoded once instead of by the
 * Appender for every row: given a {@code String}, DuckDB's Appender allocates and fills its UTF-8
 * bytes each time, which was a third of what the writer's thread allocated. The bytes handed to
 * the Appender are exactly {@code value.getBytes(UTF_8)}, so what is stored does not change; a
 * text is immutable, so an entry can never be stale. Only the writer's thread uses it; it forgets
 * everything when full (values that do not repeat, such as free text, simply pass through it).
 */
final class Utf8Values {

    static final int CAPACITY = 4096;
    private final Map<String, byte[]> recent = new HashMap<>();

    /** {@code value.getBytes(UTF_8)}, or null for null. */
    byte[] of(String value) {
        if (value == null) {
            return null;
        }
        byte[] bytes = recent.get(value);
        if (bytes == null) {
            bytes = value.getBytes(StandardCharsets.UTF_8);
            if (recent.size() >= CAPACITY) {
                recent.clear();
            }
            recent.put(value, bytes);
        }
        return bytes;
    }

    int size() {
        return recent.size();
    }
}

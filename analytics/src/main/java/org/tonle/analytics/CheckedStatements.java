package org.tonle.analytics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sandbox's memory of statements it accepted: exact text to the SQL that runs for it, the
 * most recently used few hundred. A dashboard or a Flight SQL client sends the same statements
 * again and again; their check is then a map lookup. Only accepted statements are kept: the check
 * depends on nothing but the text (the views, the function allowlist and the catalogue are fixed
 * for the sandbox's life), so the same text is accepted again with the same rendering. Long texts
 * are not kept, so the memory stays small (at most {@link #ENTRIES} × 2 × {@link #LONGEST} chars).
 */
final class CheckedStatements {

    static final int ENTRIES = 512;
    static final int LONGEST = 8192;

    private final Map<String, String> entries = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > ENTRIES;
        }
    };

    synchronized String get(String sql) {
        return entries.get(sql);
    }

    synchronized void put(String sql, String rendered) {
        if (sql.length() <= LONGEST && rendered.length() <= 2 * LONGEST) {
            entries.put(sql, rendered);
        }
    }

    synchronized int size() {
        return entries.size();
    }
}

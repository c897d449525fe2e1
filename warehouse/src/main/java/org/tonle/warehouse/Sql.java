package org.tonle.warehouse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** SQL lives in .sql files beside this class; this reads them once. */
public final class Sql {

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private Sql() {
    }

    public static String load(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            try (InputStream in = Sql.class.getResourceAsStream(n)) {
                if (in == null) {
                    throw new WarehouseException("missing SQL file " + n, null);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new WarehouseException("cannot read SQL file " + n, e);
            }
        });
    }
}

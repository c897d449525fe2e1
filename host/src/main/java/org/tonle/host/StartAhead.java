package org.tonle.host;

import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.host.http.HttpWarmUp;

/**
 * What a node's start will need later, begun at once on a second thread (docs/PERFORMANCE.md,
 * "Start to healthy"): DuckDB's native library (unpacked from its jar, about 60 MB, on every
 * launch) and the HTTP stack's first use ({@link HttpWarmUp}), while the main thread reads the
 * configuration, opens the warehouse, starts Camel, Felix and the bundles. Once per JVM; it
 * changes no state a node reads, only which classes are loaded, and when. The main thread waits
 * for it before it builds the real HTTP server, so the two never build Jersey at once.
 */
public final class StartAhead {

    private static final Logger LOG = LoggerFactory.getLogger(StartAhead.class);
    private static final String DUCKDB_NATIVE = "org.duckdb.DuckDBNative";
    private static final AtomicReference<Thread> AHEAD = new AtomicReference<>();

    private StartAhead() {
    }

    /** Begins the work ahead, unless it was begun already in this JVM (or {@code -Dtonle.start-ahead=false}, to compare). */
    public static void begin() {
        if ("false".equals(System.getProperty("tonle.start-ahead"))) {
            return;
        }
        Thread thread = new Thread(StartAhead::work, "tonle-start-ahead");
        thread.setDaemon(true);
        if (AHEAD.compareAndSet(null, thread)) {
            thread.start();
        }
    }

    /** Waits until the work ahead is done (at once if none was begun). */
    public static void await() {
        Thread thread = AHEAD.get();
        if (thread == null) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void work() {
        long began = System.nanoTime();
        try {
            Class.forName(DUCKDB_NATIVE, true, StartAhead.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // The warehouse opens it again and reports what is wrong.
            LOG.debug("DuckDB's native library not loaded ahead", e);
        }
        long duckdb = System.nanoTime();
        try {
            HttpWarmUp.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("HTTP stack not warmed up ahead", e);
        }
        LOG.debug("Started ahead: DuckDB's library in {} ms, the HTTP stack in {} ms", (duckdb - began) / 1_000_000,
                (System.nanoTime() - duckdb) / 1_000_000);
    }
}

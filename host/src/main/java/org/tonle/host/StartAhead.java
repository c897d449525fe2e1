package org.tonle.host;

import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node's start will need soon, begun at once on a second thread (docs/PERFORMANCE.md,
 * "Start to healthy"): DuckDB's native library, which the driver unpacks from its jar (about
 * 60 MB) at every launch, while the main thread reads the command line, configures logging and
 * reads the configuration. Once per JVM; it changes no state a node reads, only when the library
 * is loaded. (A warm-up of the HTTP stack on the same thread was measured and dropped: on this
 * shared machine it cost more CPU than it saved.)
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

    private static void work() {
        long began = System.nanoTime();
        try {
            Class.forName(DUCKDB_NATIVE, true, StartAhead.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // The warehouse opens it again and reports what is wrong.
            LOG.debug("DuckDB's native library not loaded ahead", e);
        }
        LOG.debug("Started ahead: DuckDB's library in {} ms", (System.nanoTime() - began) / 1_000_000);
    }
}

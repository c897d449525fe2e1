package org.tonle.host;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * How the integration tests wait for something a node does in the background (a bundle going
 * live, a file handled, Kafka catching up): Awaitility polls the condition and fails with what
 * was awaited. One place, so every test waits the same way.
 */
public final class Waiting {

    /** Long enough for a slow CI machine; a condition that holds returns at the next poll. */
    public static final Duration DEFAULT = Duration.ofSeconds(30);

    private Waiting() {
    }

    public static void until(String what, Callable<Boolean> condition) {
        until(what, DEFAULT, condition);
    }

    public static void until(String what, Duration atMost, Callable<Boolean> condition) {
        await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(condition);
    }

    /** Milliseconds until the condition held (for figures such as a hot deployment's delay). */
    public static long millisUntil(String what, Duration atMost, Callable<Boolean> condition) {
        long start = System.nanoTime();
        until(what, atMost, condition);
        return (System.nanoTime() - start) / 1_000_000;
    }
}

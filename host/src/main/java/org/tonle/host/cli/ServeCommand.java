package org.tonle.host.cli;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.tonle.host.Node;

/** {@code tonle serve}: runs a node until it is stopped (Ctrl-C or SIGTERM). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run a Tonle node.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    NodeOptions options;

    /**
     * Start, answer one {@code /health}, stop: {@code bin/tonle}'s training run, which records the
     * classes a start loads in its class-data-sharing archive (docs/PERFORMANCE.md).
     */
    @Option(names = "--stop-when-ready", hidden = true)
    boolean stopWhenReady;

    @Override
    public Integer call() throws InterruptedException {
        Node node = Node.start(options.toOptions());
        System.out.println("Tonle is serving at " + node.url());
        if (stopWhenReady) {
            try (node) {
                // Through HttpURLConnection, not java.net.http's client: the archive holds what the
                // training loads, and that client and the TLS context it builds up front put 600
                // classes in it that no node loads (docs/PERFORMANCE.md, "Start to healthy", tenth pass).
                HttpURLConnection health = (HttpURLConnection) URI.create(node.url() + "/health").toURL().openConnection();
                try {
                    health.getResponseCode();
                } finally {
                    health.disconnect();
                }
            } catch (IOException e) {
                throw new IllegalStateException("the node did not answer /health: " + e.getMessage(), e);
            }
            return 0;
        }
        awaitShutdown(node);
        return 0;
    }

    /** Blocks until the JVM is asked to stop, then stops the node cleanly. */
    static void awaitShutdown(Node node) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "tonle-shutdown"));
        stopped.await();
    }
}

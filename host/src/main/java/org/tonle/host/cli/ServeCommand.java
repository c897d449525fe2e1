package org.tonle.host.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import org.tonle.host.Node;

/** {@code tonle serve}: runs a node until it is stopped (Ctrl-C or SIGTERM). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run a Tonle node.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    NodeOptions options;

    @Override
    public Integer call() throws InterruptedException {
        Node node = Node.start(options.toOptions());
        System.out.println("Tonle is serving at " + node.url());
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

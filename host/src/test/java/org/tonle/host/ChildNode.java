package org.tonle.host;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node in a process of its own, as an operator runs it: the packaged jar ({@link #jar}) or
 * {@code bin/tonle} itself ({@link #script}), serving on a free loopback port (Flight SQL off),
 * returned once {@code /health} answers 200. Closing it stops it with SIGTERM (a clean stop);
 * {@link #kill} is SIGKILL. For the durability tests and the benchmarks that restart nodes.
 */
public final class ChildNode implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    public final Process process;
    public final String url;
    /** Stops the node when this JVM exits before closing it. */
    private final Thread orphanGuard;

    private ChildNode(Process process, String url) {
        this.process = process;
        this.url = url;
        this.orphanGuard = new Thread(process::destroy, "child-node-guard-" + process.pid());
    }

    /** {@code java [options] -jar host/target/tonle-host.jar}, with this JVM's java. */
    public static List<String> jar(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "-jar", TestNode.repository().resolve("host/target/tonle-host.jar").toString()));
        return command;
    }

    /** {@code bin/tonle}, so its JVM options are the ones run; pass {@code TONLE_SKIP_BUILD=1} in the environment. */
    public static List<String> script() {
        return List.of(TestNode.repository().resolve("bin/tonle").toString());
    }

    /**
     * {@code taskset -c cpus} before the launcher: the node (and every thread it starts) runs on
     * these CPUs only, as on a machine of that many cores (the JVM sizes its pools by them).
     *
     * @param cpus a CPU list as taskset takes it, e.g. {@code "0"} or {@code "0,1"}
     */
    public static List<String> pinned(String cpus, List<String> launcher) {
        if (!Files.isExecutable(Path.of("/usr/bin/taskset"))) {
            throw new IllegalStateException("pinning a node to CPUs needs taskset (util-linux)");
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/taskset", "-c", cpus));
        command.addAll(launcher);
        return command;
    }

    /**
     * @param launcher {@link #jar} or {@link #script}; {@code serve} and its options are added
     * @param log      the node's output is appended to it
     */
    public static ChildNode start(List<String> launcher, Path config, Path data, Path log, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        return start(launcher, config, data, log, environment, timeout, List.of());
    }

    /** @param serveOptions further options of {@code serve}, e.g. {@code --office PNH} */
    public static ChildNode start(List<String> launcher, Path config, Path data, Path log, Map<String, String> environment, Duration timeout,
                                  List<String> serveOptions) throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("serve", "--config", config.toString(), "--data", data.toString(), "--port", Integer.toString(port),
                "--flight-port", "0"));
        command.addAll(serveOptions);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        ChildNode node = new ChildNode(builder.start(), "http://127.0.0.1:" + port);
        // A test or bench stopped by SIGTERM (Ctrl-C, a timeout) takes its nodes with it.
        Runtime.getRuntime().addShutdownHook(node.orphanGuard);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.process.isAlive()) {
                node.ended();
                throw new IllegalStateException("the node exited with " + node.process.exitValue() + "; see " + log);
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(node.url + "/health")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return node;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(20);
        }
        node.kill();
        throw new IllegalStateException("the node did not start within " + timeout.toSeconds() + " s; see " + log);
    }

    /** SIGKILL: no shutdown hook, no checkpoint, no goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        ended();
    }

    /** The node is gone: this JVM's exit need not stop it. */
    private void ended() {
        try {
            Runtime.getRuntime().removeShutdownHook(orphanGuard);
        } catch (IllegalStateException exiting) {
            // this JVM is exiting already: the guard runs, and finds the node gone
        }
    }

    /** SIGTERM, and SIGKILL if the node has not stopped within {@code patience}. */
    public void stop(Duration patience) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        }
        ended();
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofMinutes(2));
    }
}

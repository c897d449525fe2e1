package org.tonle.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Keycloak (the distribution from Maven Central, unpacked into {@code host/target/keycloak}
 * by the build) in development mode on a free loopback port, with one realm imported from a JSON
 * file into an in-memory database, so that every run starts afresh. Its first start in a freshly
 * unpacked distribution also builds Keycloak's optimised image ("augmentation", kept in its
 * lib/quarkus), which later starts reuse as long as the build options here stay the same.
 *
 * <p>Keycloak stops when {@link #close()} is called, and also when this JVM ends however it ends:
 * it runs under a shell that kills it as soon as its standard input closes, which the operating
 * system does when this JVM exits, even when it is killed.
 */
final class KeycloakServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private long startMillis;

    private KeycloakServer(Process process, int port, Path log, long startMillis) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.startMillis = startMillis;
    }

    /** The unpacked distribution, or null when the build has not unpacked it. */
    static Path distribution() {
        Path unpacked = TestNode.repository().resolve("host/target/keycloak");
        if (!Files.isDirectory(unpacked)) {
            return null;
        }
        try (Stream<Path> found = Files.list(unpacked)) {
            return found.filter(p -> p.getFileName().toString().startsWith("keycloak-") && Files.exists(p.resolve("bin/kc.sh")))
                    .findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts Keycloak with the realm {@code realmJson} and waits until the realm's discovery
     * document answers.
     */
    static KeycloakServer start(String realmName, String realmJson, Duration atMost) throws IOException {
        Path home = distribution();
        if (home == null) {
            throw new IllegalStateException("Keycloak is not unpacked in host/target/keycloak: run the host module's"
                    + " integration tests through Maven (mvn -pl host verify), whose pre-integration-test phase unpacks it");
        }
        deleteTree(home.resolve("data"));
        Path imports = Files.createDirectories(home.resolve("data/import"));
        Files.writeString(imports.resolve(realmName + "-realm.json"), realmJson, StandardCharsets.UTF_8);
        int port = TestNode.freePort();
        Path log = home.getParent().resolve("keycloak-" + port + ".log");
        List<String> command = new ArrayList<>(List.of("bash", "-c",
                // Keycloak in the background; when our stdin closes (close(), or this JVM gone), it is stopped.
                // (a background job's stdin is /dev/null unless redirected: hence fd 3)
                "exec 3<&0; \"$@\" & kc=$!; (cat <&3 > /dev/null; kill $kc 2>/dev/null) & wait $kc",
                "keycloak", "bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + port, "--import-realm", "--cache=local", "--db=dev-mem"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        // Starts sooner on two busy cores: the client compiler only.
        environment.put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1");
        environment.remove("KC_BOOTSTRAP_ADMIN_USERNAME");
        environment.remove("KC_BOOTSTRAP_ADMIN_PASSWORD");
        long began = System.nanoTime();
        KeycloakServer server = new KeycloakServer(builder.start(), port, log, 0);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            URI discovery = URI.create(server.issuer(realmName) + "/.well-known/openid-configuration");
            Waiting.until("Keycloak answering at " + discovery + " (its log: " + log + ")", atMost, () -> {
                if (!server.process.isAlive()) {
                    throw new IllegalStateException("Keycloak ended with " + server.process.exitValue() + ": " + server.tail());
                }
                try {
                    return http.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        server.startMillis = (System.nanoTime() - began) / 1_000_000;
        return server;
    }

    String issuer(String realm) {
        return "http://127.0.0.1:" + port + "/realms/" + realm;
    }

    /** Milliseconds from starting the process until the realm answered. */
    long startMillis() {
        return startMillis;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // the shell stops Keycloak (SIGTERM)
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    boolean alive() {
        return process.isAlive() || process.descendants().anyMatch(ProcessHandle::isAlive);
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}

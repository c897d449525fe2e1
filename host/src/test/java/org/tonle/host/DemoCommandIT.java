package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, end to end: {@code bin/tonle demo} as a child process (the built
 * distribution), answering a seed figure with the token it printed, and stopping on SIGTERM.
 */
class DemoCommandIT {

    @Test
    void binTonleDemoServesTheSeedFigures(@TempDir Path data) throws Exception {
        demo(data, null);
    }

    /** The operator's admin token is in force but never printed: the output may end up in a log. */
    @Test
    void anAdminTokenGivenInTheEnvironmentIsNeverPrinted(@TempDir Path data) throws Exception {
        demo(data, "tk_operator-secret-" + UUID.randomUUID());
    }

    private static void demo(Path data, String givenAdminToken) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path repository = TestNode.repository();
        ProcessBuilder builder = new ProcessBuilder(repository.resolve("bin/tonle").toString(), "demo",
                "--data", data.toString(), "--port", String.valueOf(port), "--flight-port", "0")
                .directory(repository.toFile())
                .redirectErrorStream(true);
        builder.environment().put("TONLE_SKIP_BUILD", "1");
        builder.environment().remove("TONLE_ADMIN_TOKEN");
        if (givenAdminToken != null) {
            builder.environment().put("TONLE_ADMIN_TOKEN", givenAdminToken);
        }
        Process process = builder.start();
        List<String> output = new ArrayList<>();
        try {
            String token = null;
            String donor = null;
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                output.add(line);
                if (line.trim().startsWith("admin ")) {
                    token = line.trim().split("\\s+")[1];
                }
                if (line.trim().startsWith("donor ")) {
                    donor = line.trim().split("\\s+")[3];
                }
                if (line.contains("Stop with Ctrl-C")) {
                    break;
                }
            }
            assertThat(String.join("\n", output)).contains("Tonle demo is serving at http://127.0.0.1:" + port)
                    .contains("0 rejected");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            if (givenAdminToken != null) {
                assertThat(String.join("\n", output)).doesNotContain(givenAdminToken).contains("(the token in TONLE_ADMIN_TOKEN)");
                HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status"))
                        .header("Authorization", "Bearer " + givenAdminToken).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(status.statusCode()).as("the given token is in force").isEqualTo(200);
                return;
            }
            assertThat(token).as(String.join("\n", output)).startsWith("tk_");

            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + port + "/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode rows = new ObjectMapper().readTree(answer.body()).path("rows");
            assertThat(SeedFiguresIT.value(rows, "sex", "F")).isEqualTo(82);
            assertThat(SeedFiguresIT.value(rows, "sex", "M")).isEqualTo(64);

            // The demo's months are approved, so its donor reads the seed month as approved.
            HttpResponse<String> donors = http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + port + "/api/v1/indicators/social.clients_met/values?period=2015-08"))
                    .header("Authorization", "Bearer " + donor).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(donors.statusCode()).as(donors.body()).isEqualTo(200);
            JsonNode total = new ObjectMapper().readTree(donors.body()).path("rows").get(0);
            assertThat(total.path("value").asLong()).as(donors.body()).isEqualTo(146);
            assertThat(total.path("revision").asText()).isEqualTo("approved");
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
    }

    /**
     * A script that polls {@code /health} and then reads figures must read the demo's, never
     * empty ones: 503 while the demo data loads (liveness already 200), then 200 with the data in.
     */
    @Test
    void healthIsReadyOnlyOnceTheDemoDataIsLoaded(@TempDir Path data) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port;
        Path repository = TestNode.repository();
        ProcessBuilder builder = new ProcessBuilder(repository.resolve("bin/tonle").toString(), "demo",
                "--data", data.toString(), "--port", String.valueOf(port), "--flight-port", "0")
                .directory(repository.toFile())
                .redirectErrorStream(true).redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile());
        builder.environment().put("TONLE_SKIP_BUILD", "1");
        builder.environment().put("TONLE_ADMIN_TOKEN", "readiness-admin");
        Process process = builder.start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
        try {
            List<String> starting = new ArrayList<>();
            boolean liveWhileStarting = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            HttpResponse<String> health = null;
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                } catch (IOException notServingYet) {
                    Thread.sleep(5);
                    continue;
                }
                if (health.statusCode() == 200) {
                    break;
                }
                starting.add(health.statusCode() + " " + health.body());
                liveWhileStarting |= http.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            }
            assertThat(health).as("the demo served").isNotNull();
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(health.body()).path("status").asText()).isEqualTo("ready");
            // Read at once after the first 200, as a script would: the seed figures are there.
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(
                            base + "/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex"))
                    .header("Authorization", "Bearer readiness-admin").build(), HttpResponse.BodyHandlers.ofString());
            JsonNode rows = new ObjectMapper().readTree(answer.body()).path("rows");
            assertThat(SeedFiguresIT.value(rows, "sex", "F")).isEqualTo(82);
            assertThat(SeedFiguresIT.value(rows, "sex", "M")).isEqualTo(64);
            assertThat(starting).as("/health before the demo data was in").isNotEmpty()
                    .allMatch(s -> s.startsWith("503 ") && s.contains("\"starting\""));
            assertThat(liveWhileStarting).as("/health/live while starting").isTrue();
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
    }

    @Test
    void everyCommandHasHelp() throws Exception {
        for (String command : new String[] {"--help", "serve --help", "demo --help", "import --help", "report --help", "token --help", "backup --help", "restore --help", "key export --help", "key import --help"}) {
            List<String> args = new ArrayList<>(List.of("java", "-jar", TestNode.repository().resolve("host/target/tonle-host.jar").toString()));
            args.addAll(List.of(command.split(" ")));
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(command + ": " + text).isZero();
            assertThat(text).contains("Usage: tonle");
        }
    }
}

package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;
import org.tonle.host.cli.TonleCommand;

/**
 * TLS beyond the pages (docs/OPERATIONS.md, certificates): with {@code http.tls} configured,
 * Arrow Flight SQL serves TLS with the same key, so a Flight SQL client that trusts the node's
 * certificate is answered and one that does not (or speaks plain gRPC) is not; and the client
 * commands trust the node through {@code --cacert FILE} or {@code TONLE_CACERT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsClientsIT {

    Path root;
    Path certificate;
    TestNode node;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        root = dir;
        Path tls = root.resolve("secrets-tls");
        assertThat(TonleCommand.run("cert", "--out", tls.toString(), "--host", "localhost", "--ip", "127.0.0.1")).isZero();
        certificate = tls.resolve("tonle.crt");
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        Files.writeString(settings, Files.readString(settings).replace("\nhttp:\n", "\nhttp:\n  tls:\n    keystore: " + tls.resolve("tonle.p12")
                + "\n    password_file: " + tls.resolve("tonle.password") + "\n"));
        node = TestNode.start(root, null, TestNode.freePort());
        assertThat(node.url()).startsWith("https://");
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void flightSqlServesTlsToAClientThatTrustsTheCertificate() throws Exception {
        Properties trusting = flightProperties();
        trusting.setProperty("useEncryption", "true");
        trusting.setProperty("useSystemTrustStore", "false");
        trusting.setProperty("tlsRootCerts", certificate.toString());
        try (Connection c = DriverManager.getConnection(flightUrl(), trusting); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM offices")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(3);
        }
    }

    @Test
    void flightSqlRefusesAClientThatDoesNotTrustTheCertificateAndPlainGrpc() {
        Properties stranger = flightProperties();
        stranger.setProperty("useEncryption", "true");
        stranger.setProperty("useSystemTrustStore", "true");
        assertThatThrownBy(() -> query(stranger)).isInstanceOf(SQLException.class);
        Properties plain = flightProperties();
        plain.setProperty("useEncryption", "false");
        assertThatThrownBy(() -> query(plain)).isInstanceOf(SQLException.class);
    }

    @Test
    void clientCommandsTrustTheNodeThroughCacertOrTheEnvironment() throws Exception {
        Cli trusted = cli(List.of("sql", "--url", node.url(), "--cacert", certificate.toString(), "--format", "csv",
                "SELECT count(*) AS n FROM offices"), Map.of());
        assertThat(trusted.exit).as(trusted.output).isZero();
        assertThat(trusted.output).contains("3");

        Cli stranger = cli(List.of("sql", "--url", node.url(), "SELECT 1"), Map.of());
        assertThat(stranger.exit).isNotZero();
        assertThat(stranger.output).contains("does not trust", "--cacert");

        Cli byEnvironment = cli(List.of("sql", "--url", node.url(), "--format", "csv", "SELECT 41 + 1 AS n"),
                Map.of("TONLE_CACERT", certificate.toString()));
        assertThat(byEnvironment.exit).as(byEnvironment.output).isZero();
        assertThat(byEnvironment.output).contains("42");

        Path file = root.resolve("cases.ndjson");
        Files.writeString(file, TransportIT.cases("PNH", 3, "hotline"));
        Cli imported = cli(List.of("import", file.toString(), "--url", node.url(), "--cacert", certificate.toString()), Map.of());
        assertThat(imported.exit).as(imported.output).isZero();
        HttpClient trusting = HttpClient.newBuilder().sslContext(TlsIT.trusting(certificate)).build();
        HttpResponse<String> cases = trusting.send(HttpRequest.newBuilder(URI.create(node.url()
                        + "/api/v1/indicators/investigation.cases_received/values?period=2016"))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(Json.MAPPER.readTree(cases.body()).path("rows").get(0).path("value").asLong()).isEqualTo(3);

        Cli backup = cli(List.of("backup", "--out", root.resolve("node.pgp").toString(), "--url", node.url(), "--cacert",
                certificate.toString()), Map.of("TONLE_BACKUP_PASSPHRASE", "a passphrase of some length"));
        assertThat(backup.exit).as(backup.output).isZero();
        assertThat(root.resolve("node.pgp")).isNotEmptyFile();
    }

    // --- helpers

    private String flightUrl() {
        return "jdbc:arrow-flight-sql://127.0.0.1:" + node.node().flightPort();
    }

    private static Properties flightProperties() {
        Properties properties = new Properties();
        properties.setProperty("token", TestNode.ADMIN_TOKEN);
        return properties;
    }

    private void query(Properties properties) throws SQLException {
        try (Connection c = DriverManager.getConnection(flightUrl(), properties); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    private record Cli(int exit, String output) {
    }

    /** {@code java -jar host/target/tonle-host.jar ...} with the admin token, as an operator runs it. */
    private static Cli cli(List<String> args, Map<String, String> environment) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-jar", TestNode.repository().resolve("host/target/tonle-host.jar").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("TONLE_CACERT");
        builder.environment().put("TONLE_TOKEN", TestNode.ADMIN_TOKEN);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Cli(process.waitFor(), output);
    }
}

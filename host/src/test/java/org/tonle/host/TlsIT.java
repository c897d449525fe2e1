package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.cli.TonleCommand;

/**
 * HTTPS on an office LAN: {@code bin/tonle cert} makes a self-signed pair, {@code http.tls}
 * points the node at it; a client that trusts the certificate gets answers over TLS, one that
 * does not is refused, and plain HTTP on that port gets nothing.
 */
class TlsIT {

    @TempDir
    Path root;

    @Test
    void aNodeWithACertificateServesHttpsOnlyAndAClientTrustingItIsAnswered() throws Exception {
        Path tls = root.resolve("secrets-tls");
        assertThat(TonleCommand.run("cert", "--out", tls.toString(), "--host", "localhost", "--ip", "127.0.0.1")).isZero();
        assertThat(tls.resolve("tonle.p12")).exists();
        assertThat(Files.getPosixFilePermissions(tls.resolve("tonle.password"))).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        String text = Files.readString(settings);
        assertThat(text).contains("\nhttp:\n");
        Files.writeString(settings, text.replace("\nhttp:\n", "\nhttp:\n  tls:\n    keystore: " + tls.resolve("tonle.p12")
                + "\n    password_file: " + tls.resolve("tonle.password") + "\n"));

        try (TestNode node = TestNode.start(root)) {
            assertThat(node.url()).startsWith("https://127.0.0.1:");
            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(tls.resolve("tonle.crt"))).connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> health = trusting.send(HttpRequest.newBuilder(URI.create(node.url() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> programs = trusting.send(HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/programs"))
                    .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(programs.statusCode()).isEqualTo(200);
            assertThat(programs.body()).contains("legal");

            // A client that does not trust the certificate is refused in the handshake.
            HttpClient stranger = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(URI.create(node.url() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);

            // Plain HTTP on the same port gets no answer.
            String plain = node.url().replace("https://", "http://");
            assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(URI.create(plain + "/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
    }

    /** A TLS context that trusts exactly this certificate. */
    static SSLContext trusting(Path certificate) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            store.setCertificateEntry("node", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}

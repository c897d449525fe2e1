package org.tonle.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import picocli.CommandLine.Option;

/**
 * Which certificates a client command trusts when it talks to a node over HTTPS: the node's
 * own certificate or its CA, PEM ({@code bin/tonle cert} writes {@code tonle.crt}), given with
 * {@code --cacert FILE} or {@code TONLE_CACERT}; without either, the JDK's trusted CAs. Host
 * names are checked against the certificate either way.
 */
final class NodeTrust {

    static final String ENV = "TONLE_CACERT";

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "trust the node's certificate (PEM, e.g. the tonle.crt of bin/tonle cert); default: $" + ENV + ", else the JDK's CAs")
    Path cacert;

    /** The TLS context to use, or null for the JDK's default. */
    SSLContext context() {
        Path file = cacert;
        if (file == null && System.getenv(ENV) != null && !System.getenv(ENV).isBlank()) {
            file = Path.of(System.getenv(ENV));
        }
        return file == null ? null : trusting(file);
    }

    /** A TLS context that trusts exactly the certificates in this PEM file. */
    static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new NodeClient.ClientException(pem + " holds no certificate (PEM expected)");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("trusted-" + n++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new NodeClient.ClientException("cannot read the certificate to trust from " + pem + ": " + e.getMessage());
        }
    }
}

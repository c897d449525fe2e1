package org.tonle.host.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Collections;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.tonle.core.config.Settings;

/**
 * The node's TLS key ({@code http.tls} in config/tonle.yaml): a PKCS#12 key store and its
 * password from a file or an environment variable. HTTPS takes it as an {@link SSLContext};
 * Arrow Flight SQL (gRPC on Netty) as PEM.
 */
public final class ServerKeys {

    private final KeyStore store;
    private final char[] password;
    private final String alias;

    private ServerKeys(KeyStore store, char[] password, String alias) {
        this.store = store;
        this.password = password;
        this.alias = alias;
    }

    /** @param config the configuration folder (the key store and password file are relative to it) */
    public static ServerKeys load(Path config, Settings.Tls tls) {
        Path keystore = config.resolve(tls.keystore());
        try {
            char[] password;
            if (tls.passwordFile() != null && !tls.passwordFile().isBlank()) {
                password = Files.readString(config.resolve(tls.passwordFile())).strip().toCharArray();
            } else if (tls.passwordEnv() != null && System.getenv(tls.passwordEnv()) != null) {
                password = System.getenv(tls.passwordEnv()).toCharArray();
            } else {
                throw new IllegalStateException("http.tls needs password_file or password_env (set in the environment) for " + keystore);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                store.load(in, password);
            }
            String alias = Collections.list(store.aliases()).stream().filter(a -> {
                try {
                    return store.isKeyEntry(a);
                } catch (GeneralSecurityException e) {
                    return false;
                }
            }).findFirst().orElseThrow(() -> new IllegalStateException("the key store " + keystore + " holds no private key"));
            return new ServerKeys(store, password, alias);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the TLS key store " + keystore + ": " + e.getMessage(), e);
        }
    }

    public SSLContext sslContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the TLS key: " + e.getMessage(), e);
        }
    }

    /** The certificate chain, PEM. */
    public byte[] certificateChainPem() {
        try {
            StringBuilder pem = new StringBuilder();
            for (Certificate certificate : store.getCertificateChain(alias)) {
                pem.append(pem("CERTIFICATE", certificate.getEncoded()));
            }
            return pem.toString().getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the TLS certificate chain: " + e.getMessage(), e);
        }
    }

    /** The private key, PKCS#8 PEM (held in memory only, never written out). */
    public byte[] privateKeyPem() {
        try {
            Key key = store.getKey(alias, password);
            if (!(key instanceof PrivateKey)) {
                throw new IllegalStateException("the key store entry " + alias + " is not a private key");
            }
            return pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the TLS key: " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}

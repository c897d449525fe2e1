package org.tonle.host.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.ConfigException;
import org.tonle.core.config.OidcSettings;

/**
 * What a node refuses to start with when {@code oidc} is configured (OidcSignInIT covers the
 * sign-in against a real provider), and which places to return to are this node's.
 */
class OidcSignInTest {

    static OidcSettings settings(String clientId, String redirect) {
        return new OidcSettings("https://idp.example/realms/ngo", "NGO", clientId, null, redirect, null, null);
    }

    @Test
    void offWhileNoIssuerIsConfigured(@TempDir Path secrets) {
        assertThat(OidcSignIn.configure(OidcSettings.OFF, secrets, null, null)).isNull();
    }

    @Test
    void aMissingOrEmptyClientSecretFailsTheStartSayingWhere(@TempDir Path secrets) throws Exception {
        OidcSettings oidc = settings("tonle", "https://tonle.example/api/v1/session/oidc/callback");
        assertThatThrownBy(() -> OidcSignIn.configure(oidc, secrets, null, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(secrets.resolve("oidc-client-secret").toString());
        Files.writeString(secrets.resolve("oidc-client-secret"), "\n");
        assertThatThrownBy(() -> OidcSignIn.configure(oidc, secrets, null, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is empty");
        Files.writeString(secrets.resolve("oidc-client-secret"), "s3cret\n");
        OidcSignIn configured = OidcSignIn.configure(oidc, secrets, null, null);
        assertThat(configured.name()).isEqualTo("NGO");
        assertThat(configured.pending()).isZero();
    }

    @Test
    void aClientIdAndAnAbsoluteRedirectUriAreNeeded(@TempDir Path secrets) throws Exception {
        Files.writeString(secrets.resolve("oidc-client-secret"), "s3cret");
        assertThatThrownBy(() -> OidcSignIn.configure(settings("", "https://tonle.example/cb"), secrets, null, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("oidc.client_id");
        for (String wrong : new String[] {"", "/api/v1/session/oidc/callback", "ftp://tonle.example/cb", "https:///cb"}) {
            assertThatThrownBy(() -> OidcSignIn.configure(settings("tonle", wrong), secrets, null, null)).as(wrong)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("oidc.redirect_uri");
        }
    }

    @Test
    void onlyPathsOfThisNodeArePlacesToReturnTo() {
        assertThat(OidcSignIn.localPath("/")).isTrue();
        assertThat(OidcSignIn.localPath("/pages/rejections.html?office=PNH")).isTrue();
        for (String elsewhere : new String[] {"//evil.example", "/\\evil.example", "https://evil.example", "pages", "/a b",
                "/\tx", "/" + "a".repeat(600)}) {
            assertThat(OidcSignIn.localPath(elsewhere)).as(elsewhere).isFalse();
        }
    }
}

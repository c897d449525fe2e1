package org.tonle.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code oidc} in tonle.yaml: off as shipped, and read with its defaults when configured. */
class OidcSettingsTest {

    @Test
    void theShippedConfigurationHasNoProvider() {
        OidcSettings oidc = TonleConfigTest.CONFIG.settings().oidc();
        assertThat(oidc.enabled()).isFalse();
        assertThat(oidc.userClaim()).isEqualTo("email");
        assertThat(oidc.clientSecretFile()).isEqualTo("oidc-client-secret");
        assertThat(Settings.defaults().oidc().enabled()).isFalse();
    }

    @Test
    void aConfiguredProviderIsReadWithItsDefaults(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.copy(TonleConfigTest.CONFIG.directory().resolve("offices.yaml"), config.resolve("offices.yaml"));
        Files.writeString(config.resolve("tonle.yaml"), """
                oidc:
                  issuer: https://login.microsoftonline.com/4b7f0c6e-0000-4000-8000-000000000001/v2.0
                  client_id: 6731de76-14a6-49ae-97bc-6eba6914391e
                  redirect_uri: https://tonle.ngo.example/api/v1/session/oidc/callback
                  user_claim: preferred_username
                """);
        OidcSettings oidc = TonleConfig.load(config).settings().oidc();
        assertThat(oidc.enabled()).isTrue();
        assertThat(oidc.name()).isEqualTo("your organisation");
        assertThat(oidc.userClaim()).isEqualTo("preferred_username");
        assertThat(oidc.requestedScopes()).containsExactly("openid", "email", "profile");
        assertThat(new OidcSettings("https://a", "A", "c", null, "https://b", null, List.of("profile", "openid")).requestedScopes())
                .containsExactly("openid", "profile");
    }
}

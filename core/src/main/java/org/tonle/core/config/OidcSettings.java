package org.tonle.core.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code oidc} in tonle.yaml: people may sign in through the organisation's OpenID Connect
 * provider (Google, Microsoft Entra ID, Keycloak...) as well as with a password
 * (docs/ACCESS.md). Off while {@code issuer} is empty. The provider only says who someone is:
 * a person signs in only as an enabled user of users.yaml whose name equals the claim
 * {@code user_claim}, with that user's role, offices and programmes.
 *
 * @param issuer           the provider's issuer URL; its discovery document is
 *                         {@code <issuer>/.well-known/openid-configuration}
 * @param name             what the sign-in page calls the provider ("Sign in with <name>")
 * @param clientId         the client id Tonle is registered under at the provider
 * @param clientSecretFile the file holding the client secret, relative to the secrets folder
 *                         (default {@code oidc-client-secret})
 * @param redirectUri      where the provider sends people back: this node's
 *                         {@code /api/v1/session/oidc/callback}, as registered at the provider
 * @param userClaim        the ID-token claim that names the Tonle user (default {@code email})
 * @param scopes           scopes asked for besides {@code openid} (default {@code email profile})
 */
public record OidcSettings(String issuer, String name, @JsonProperty("client_id") String clientId,
                           @JsonProperty("client_secret_file") String clientSecretFile,
                           @JsonProperty("redirect_uri") String redirectUri, @JsonProperty("user_claim") String userClaim,
                           List<String> scopes) {

    public static final OidcSettings OFF = new OidcSettings(null, null, null, null, null, null, null);

    public OidcSettings {
        issuer = issuer == null ? "" : issuer.strip();
        name = name == null || name.isBlank() ? "your organisation" : name.strip();
        clientId = clientId == null ? "" : clientId.strip();
        clientSecretFile = clientSecretFile == null || clientSecretFile.isBlank() ? "oidc-client-secret" : clientSecretFile.strip();
        redirectUri = redirectUri == null ? "" : redirectUri.strip();
        userClaim = userClaim == null || userClaim.isBlank() ? "email" : userClaim.strip();
        scopes = scopes == null ? List.of("email", "profile") : List.copyOf(scopes);
    }

    public boolean enabled() {
        return !issuer.isEmpty();
    }

    /** The scopes of the authorisation request: {@code openid} first, then the configured ones. */
    public List<String> requestedScopes() {
        Set<String> all = new LinkedHashSet<>();
        all.add("openid");
        all.addAll(scopes);
        return new ArrayList<>(all);
    }
}

package org.tonle.host.auth;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.Json;
import org.tonle.core.access.TokenDigest;
import org.tonle.core.config.ConfigException;
import org.tonle.core.config.OidcSettings;
import org.tonle.warehouse.AuditLog;

/**
 * Sign-in through the organisation's OpenID Connect provider (DESIGN.md section 9.4,
 * docs/ACCESS.md), with the Nimbus OAuth 2.0 / OpenID Connect SDK: the authorisation-code flow
 * with PKCE (S256), {@code state} and {@code nonce}, and the ID token's signature, issuer,
 * audience, expiry and nonce checked against the provider's discovery document and JWKS.
 *
 * <p>The provider only tells who someone is. A person signs in only as an enabled user of
 * users.yaml whose name equals the ID token's {@code user_claim}; the role, offices and
 * programmes are that user's, never the token's. The result is the same session a password
 * sign-in gives ({@link Accounts#signInVerified}).
 *
 * <p>A sign-in under way is held in memory for {@link #PENDING_FOR}, keyed by the SHA-256 of its
 * {@code state}, and used once. It is bound to the browser that began it by a random value in
 * the cookie {@value #COOKIE} (only its digest is kept), so a callback URL carried to another
 * browser (login CSRF) is refused. Every sign-in and every refusal is audited.
 */
public final class OidcSignIn {

    private static final Logger LOG = LoggerFactory.getLogger(OidcSignIn.class);
    /** The cookie binding a sign-in under way to the browser that began it. */
    public static final String COOKIE = "tonle_oidc";
    public static final Duration PENDING_FOR = Duration.ofMinutes(10);
    /** Sign-ins under way at most (each is a few hundred bytes); beyond, beginning one is 429. */
    static final int MAX_PENDING = 10_000;
    private static final Duration METADATA_FOR = Duration.ofHours(24);
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final String BEGIN = "GET /api/v1/session/oidc";
    private static final String CALLBACK = BEGIN + "/callback";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where to send the browser, and the value of the binding cookie to set. */
    public record Begun(URI location, String binding) {
    }

    /** A finished sign-in: the session, and the page of Tonle to go back to. */
    public record Finished(Accounts.SignedIn signedIn, String returnTo) {
    }

    private record Pending(String binding, Nonce nonce, CodeVerifier verifier, String returnTo, Instant began) {
    }

    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator, Instant resolved) {
    }

    private final OidcSettings settings;
    private final Issuer issuer;
    private final ClientID clientId;
    private final Secret secret;
    private final URI redirectUri;
    private final Accounts accounts;
    private final AuditLog audit;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile Clock clock = Clock.systemUTC();
    private Provider provider;

    OidcSignIn(OidcSettings settings, String clientSecret, Accounts accounts, AuditLog audit) {
        this.settings = settings;
        this.issuer = new Issuer(settings.issuer());
        if (settings.clientId().isEmpty()) {
            throw new ConfigException("oidc.client_id in tonle.yaml is empty: give the client id Tonle is registered under at "
                    + settings.issuer());
        }
        this.clientId = new ClientID(settings.clientId());
        this.secret = new Secret(clientSecret);
        this.redirectUri = redirectUri(settings.redirectUri());
        this.accounts = accounts;
        this.audit = audit;
    }

    /**
     * The provider sign-in configured in tonle.yaml, or null while {@code oidc.issuer} is empty.
     * The client secret is read from {@code oidc.client_secret_file} in the secrets folder; a
     * configuration that cannot work fails the start. The provider itself is first asked at the
     * first sign-in, so a node starts while it cannot be reached.
     */
    public static OidcSignIn configure(OidcSettings settings, Path secretsFolder, Accounts accounts, AuditLog audit) {
        if (!settings.enabled()) {
            return null;
        }
        Path file = secretsFolder.resolve(settings.clientSecretFile()).toAbsolutePath().normalize();
        String secret;
        try {
            secret = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigException("oidc.client_secret_file: cannot read " + file + " (" + e.getMessage()
                    + "); put the client secret the provider gave in it, owner-only (docs/ACCESS.md)");
        }
        if (secret.isEmpty()) {
            throw new ConfigException("oidc.client_secret_file: " + file + " is empty; put the client secret the provider gave in it");
        }
        LOG.info("People may sign in through {} ({}) as the users of users.yaml named by the claim '{}'",
                settings.name(), settings.issuer(), settings.userClaim());
        return new OidcSignIn(settings, secret, accounts, audit);
    }

    /** Replaces the clock that times sign-ins under way (tests). */
    public void useClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
    }

    /** What the sign-in page calls the provider. */
    public String name() {
        return settings.name();
    }

    /**
     * Begins a sign-in: the provider's authorisation URL (with state, nonce and the PKCE
     * challenge) and the binding cookie's value.
     *
     * @param returnTo the page of this node to go back to afterwards: a path such as
     *                 {@code /pages/}; null for {@code /}
     */
    public Begun begin(String returnTo) {
        String back = returnTo == null || returnTo.isBlank() ? "/" : returnTo;
        if (!localPath(back)) {
            throw new Refused(400, "return must be a path of this node such as /pages/ (it was '" + abbreviate(back) + "')");
        }
        Instant now = clock.instant();
        if (pending.size() >= MAX_PENDING) {
            pending.values().removeIf(p -> expired(p, now));
            if (pending.size() >= MAX_PENDING) {
                throw new Refused(429, "too many sign-ins under way; try again in a few minutes");
            }
        }
        OIDCProviderMetadata metadata = provider(BEGIN).metadata();
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        String binding = random();
        pending.put(TokenDigest.hex(state.getValue()), new Pending(TokenDigest.hex(binding), nonce, verifier, back, now));
        AuthenticationRequest request = new AuthenticationRequest.Builder(ResponseType.CODE,
                new Scope(settings.requestedScopes().toArray(String[]::new)), clientId, redirectUri)
                .endpointURI(metadata.getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        return new Begun(request.toURI(), binding);
    }

    /**
     * Finishes a sign-in at the callback: checks state and binding, redeems the code with the
     * PKCE verifier, validates the ID token and signs the named user in. Throws {@link Refused}
     * (audited) otherwise: 400 for a callback this node did not expect, 401 for a person or
     * token refused, 502 when the provider cannot be reached.
     */
    public Finished finish(String state, String code, String error, String binding) {
        Pending begun = state == null || state.length() > 512 ? null : pending.remove(TokenDigest.hex(state));
        Instant now = clock.instant();
        if (begun == null || expired(begun, now)) {
            throw refuse(400, begun == null ? "unknown state" : "expired",
                    "this sign-in was not begun here or has expired (it is good for " + PENDING_FOR.toMinutes()
                            + " minutes, once); begin again");
        }
        if (binding == null || !Accounts.sameToken(begun.binding(), TokenDigest.hex(binding))) {
            throw refuse(400, "browser mismatch", "this sign-in was begun in another browser; begin again in this one");
        }
        if (error != null) {
            throw refuse(401, "provider: " + abbreviate(error), "the provider did not sign you in (" + abbreviate(error) + ")");
        }
        if (code == null || code.isBlank()) {
            throw refuse(400, "no code", "the provider sent no authorisation code");
        }
        Provider op = provider(CALLBACK);
        IDTokenClaimsSet claims = redeem(op, code, begun);
        Object value = claims.getClaim(settings.userClaim());
        if (!(value instanceof String name) || name.isBlank()) {
            throw refuse(401, "no claim " + settings.userClaim(), "the provider's ID token does not carry the claim '"
                    + settings.userClaim() + "' that names a Tonle user (oidc.user_claim)");
        }
        if ("email".equals(settings.userClaim()) && Boolean.FALSE.equals(claims.getBooleanClaim("email_verified"))) {
            throw refuse(401, "email not verified", "the provider has not verified this email address");
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("via", "oidc");
        detail.put("issuer", issuer.getValue());
        detail.put("claim", settings.userClaim());
        Accounts.SignedIn signedIn;
        try {
            signedIn = accounts.signInVerified(name, CALLBACK, detail);
        } catch (Accounts.SignInRefused e) {
            throw new Refused(401, "no enabled Tonle user is named '" + abbreviate(name) + "' (the provider's claim '"
                    + settings.userClaim() + "'); an admin adds people in users.yaml");
        }
        return new Finished(signedIn, begun.returnTo());
    }

    /** The sign-ins under way (status, tests). */
    public int pending() {
        pending.values().removeIf(p -> expired(p, clock.instant()));
        return pending.size();
    }

    private IDTokenClaimsSet redeem(Provider op, String code, Pending begun) {
        TokenRequest request = new TokenRequest(op.metadata().getTokenEndpointURI(), clientAuthentication(op.metadata()),
                new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, begun.verifier()));
        TokenResponse response;
        try {
            HTTPRequest http = request.toHTTPRequest();
            http.setConnectTimeout(TIMEOUT_MILLIS);
            http.setReadTimeout(TIMEOUT_MILLIS);
            response = OIDCTokenResponseParser.parse(http.send());
        } catch (IOException e) {
            throw refuse(502, "token endpoint unreachable", "the provider's token endpoint cannot be reached: " + e.getMessage());
        } catch (ParseException e) {
            throw refuse(502, "token response unreadable", "the provider's token response cannot be read: " + e.getMessage());
        }
        if (!response.indicatesSuccess()) {
            String error = String.valueOf(response.toErrorResponse().getErrorObject().getCode());
            throw refuse(401, "token request refused: " + abbreviate(error),
                    "the provider refused the authorisation code (" + abbreviate(error) + "); begin again");
        }
        JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
        try {
            return op.validator().validate(idToken, begun.nonce());
        } catch (BadJOSEException | JOSEException e) {
            throw refuse(401, "invalid ID token: " + abbreviate(e.getMessage()), "the provider's ID token is not valid: " + e.getMessage());
        }
    }

    private ClientAuthentication clientAuthentication(OIDCProviderMetadata metadata) {
        List<ClientAuthenticationMethod> methods = metadata.getTokenEndpointAuthMethods();
        if (methods != null && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST)) {
            return new ClientSecretPost(clientId, secret);
        }
        return new ClientSecretBasic(clientId, secret);
    }

    /** The provider's discovery document and a validator on its JWKS; fetched at first use and again a day later. */
    private synchronized Provider provider(String route) {
        Instant now = clock.instant();
        if (provider != null && provider.resolved().plus(METADATA_FOR).isAfter(now)) {
            return provider;
        }
        try {
            // Checks that the document's issuer is the one configured (OpenID Connect Discovery 4.3).
            OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(issuer, TIMEOUT_MILLIS, TIMEOUT_MILLIS);
            IDTokenValidator validator = new IDTokenValidator(issuer, clientId, JWSAlgorithm.RS256,
                    metadata.getJWKSetURI().toURL(), new DefaultResourceRetriever(TIMEOUT_MILLIS, TIMEOUT_MILLIS, 1 << 20));
            provider = new Provider(metadata, validator, now);
            return provider;
        } catch (GeneralException | IOException e) {
            if (provider != null) {
                LOG.warn("Cannot refresh the discovery document of {}: {}; using the one read {}", issuer, e.getMessage(),
                        provider.resolved());
                return provider;
            }
            LOG.warn("Cannot read the discovery document of {}: {}", issuer, e.getMessage());
            throw refuse(route, 502, "provider unreachable",
                    "the sign-in provider " + settings.name() + " cannot be reached: " + e.getMessage());
        }
    }

    private Refused refuse(int status, String reason, String detail) {
        return refuse(CALLBACK, status, reason, detail);
    }

    private Refused refuse(String route, int status, String reason, String detail) {
        Map<String, Object> why = new LinkedHashMap<>();
        why.put("via", "oidc");
        why.put("issuer", issuer.getValue());
        why.put("reason", reason);
        audit.record(Accounts.UNKNOWN, Accounts.NO_ROLE, "sign-in-failed", route, Json.write(why), null);
        return new Refused(status, detail);
    }

    private static boolean expired(Pending pending, Instant now) {
        return !pending.began().plus(PENDING_FOR).isAfter(now);
    }

    /** A path of this node: {@code /...}, never {@code //host} or a backslash that a browser reads as one. */
    static boolean localPath(String path) {
        return path.length() <= 512 && path.startsWith("/") && !path.startsWith("//") && !path.contains("\\")
                && path.chars().noneMatch(c -> c < 0x21 || c == 0x7f);
    }

    private static URI redirectUri(String text) {
        try {
            URI uri = new URI(text);
            if (!uri.isAbsolute() || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(text, "not an absolute http(s) URL");
            }
            uri.toURL();
            return uri;
        } catch (URISyntaxException | MalformedURLException e) {
            throw new ConfigException("oidc.redirect_uri in tonle.yaml must be this node's absolute callback URL, such as"
                    + " https://tonle.example.org/api/v1/session/oidc/callback (it was '" + text + "')");
        }
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String abbreviate(String text) {
        String single = String.valueOf(text).replaceAll("\\p{Cntrl}", " ");
        return single.length() <= 120 ? single : single.substring(0, 120) + "...";
    }

    /** A refused sign-in, with the HTTP status to answer. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}

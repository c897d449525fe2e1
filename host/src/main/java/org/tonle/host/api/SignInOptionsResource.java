package org.tonle.host.api;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.tonle.host.api.wire.SignInOptions;
import org.tonle.host.auth.OidcSignIn;

/**
 * {@code GET /api/v1/session/options}: how people may sign in (a name and password always; the
 * organisation's OpenID Connect provider when {@code oidc} is configured in tonle.yaml), so the
 * sign-in page can offer "Sign in with <provider>". Needs no token: it is read before signing in.
 */
@Path("/api/v1/session/options")
@PermitAll
public final class SignInOptionsResource {

    private final OidcSignIn oidc;

    /** @param oidc null when no provider is configured */
    public SignInOptionsResource(OidcSignIn oidc) {
        this.oidc = oidc;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public SignInOptions options() {
        return new SignInOptions(true, oidc == null ? null : new SignInOptions.Oidc(oidc.name(), OidcResource.START));
    }
}

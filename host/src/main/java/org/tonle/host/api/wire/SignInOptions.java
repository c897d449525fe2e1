package org.tonle.host.api.wire;

/**
 * {@code GET /api/v1/session/options}: how people may sign in, for the sign-in page.
 *
 * @param password always true: a name and password ({@code POST /api/v1/session})
 * @param oidc     the organisation's OpenID Connect provider, or null when none is configured
 */
public record SignInOptions(boolean password, Oidc oidc) {

    /**
     * @param name  what to call the provider on the button ("Sign in with <name>")
     * @param start where the button leads: {@code GET} it in the browser (a top-level navigation,
     *              not a fetch), optionally with {@code ?return=/path} of the page to come back to
     */
    public record Oidc(String name, String start) {
    }
}

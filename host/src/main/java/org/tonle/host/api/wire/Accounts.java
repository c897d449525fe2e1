package org.tonle.host.api.wire;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.tonle.core.config.Role;
import org.tonle.host.auth.Accounts.Summary;

/** The bodies of the sign-in and user routes (DESIGN.md section 9.4). Passwords are only ever read, never answered. */
public final class Accounts {

    private Accounts() {
    }

    /** {@code POST /api/v1/session}. */
    public record SignIn(String name, char[] password) {
    }

    /** A signed-in session: who, and the csrf token to send as {@code X-CSRF-Token} with every unsafe request. */
    public record Session(String name, String role, String csrf) {
    }

    /** {@code POST /api/v1/session/password}: the current password and the new one. */
    public record OwnPassword(char[] current, char[] password) {
    }

    /** {@code POST /api/v1/users/{name}/password}. */
    public record NewPassword(char[] password) {
    }

    /** {@code POST /api/v1/users}. */
    public record NewUser(String name, Role role, List<String> offices, List<String> programs, char[] password) {
    }

    /** {@code GET /api/v1/users}. */
    public record Users(List<Summary> users) {
    }

    /** {@code POST /api/v1/users/{name}}: enable or disable. */
    public record UserChange(@JsonProperty(required = true) boolean disabled) {
    }
}

package org.tonle.host.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.tonle.core.access.Caller;
import org.tonle.core.config.PrincipalConfig;
import org.tonle.core.config.Role;

/** access.yaml fails closed on two principals of one name or one token. */
class AccessControlTest {

    private static PrincipalConfig principal(String name, Role role, String token) {
        return new PrincipalConfig(name, role, AccessControl.sha256Hex(token), List.of("social"), List.of());
    }

    @Test
    void twoPrincipalsOfOneNameAreRefusedAtLoad() {
        assertThatThrownBy(() -> new AccessControl(List.of(principal("ana", Role.ANALYST, "t1"), principal("ana", Role.DONOR, "t2")), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two principals are named 'ana'");
        assertThatThrownBy(() -> new AccessControl(List.of(principal("Ana", Role.ANALYST, "t1"), principal("ana", Role.DONOR, "t2")), null))
                .hasMessageContaining("two principals are named");
        assertThatThrownBy(() -> new AccessControl(List.of(principal("admin", Role.DONOR, "t1")), "admin-token"))
                .hasMessageContaining("the admin token is the principal 'admin'");
    }

    @Test
    void twoPrincipalsOfOneTokenAreRefusedAtLoad() {
        assertThatThrownBy(() -> new AccessControl(List.of(principal("ana", Role.ANALYST, "same"), principal("don", Role.DONOR, "same")), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has the same token as another principal");
    }

    @Test
    void aReloadWithDuplicatesKeepsThePreviousPrincipals() {
        AccessControl access = new AccessControl(List.of(principal("ana", Role.ANALYST, "t1")), null);
        assertThatThrownBy(() -> access.replace(List.of(principal("ana", Role.ANALYST, "t1"), principal("ana", Role.DONOR, "t2")), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(access.authenticate("t1")).map(Caller::role).contains(Role.ANALYST);
        assertThat(access.authenticate("t2")).isEmpty();
        assertThatThrownBy(() -> access.add(new Caller("ana", Role.DONOR, Set.of(), Set.of()), "t3"))
                .hasMessageContaining("two principals are named 'ana'");
    }
}

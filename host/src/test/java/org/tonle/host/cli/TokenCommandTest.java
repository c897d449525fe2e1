package org.tonle.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.junit.jupiter.api.Test;
import org.tonle.core.config.PrincipalConfig;
import org.tonle.core.config.Role;
import org.tonle.host.auth.AccessControl;

import picocli.CommandLine;

/** {@code tonle token} prints a fresh token once and an access.yaml entry holding only its hash. */
class TokenCommandTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void printsAFreshTokenAndItsHashAsYaml() throws Exception {
        String first = run("token", "--name", "donor-b", "--role", "donor", "--programs", "social,awareness");
        String second = run("token", "--name", "donor-b", "--role", "donor", "--programs", "social,awareness");
        String token = token(first);
        assertThat(token).hasSizeGreaterThan(40).isNotEqualTo(token(second));
        StringBuilder yaml = new StringBuilder("principals:\n");
        first.lines().filter(l -> !l.startsWith("#")).forEach(l -> yaml.append(l).append('\n'));
        assertThat(yaml.toString()).doesNotContain(token);
        JsonNode entry = YAML.readTree(yaml.toString()).path("principals").get(0);
        PrincipalConfig principal = YAML.treeToValue(entry, PrincipalConfig.class);
        assertThat(principal.name()).isEqualTo("donor-b");
        assertThat(principal.role()).isEqualTo(Role.DONOR);
        assertThat(principal.programs()).containsExactly("social", "awareness");
        assertThat(principal.tokenSha256()).isEqualTo(AccessControl.sha256Hex(token));
        AccessControl access = new AccessControl(List.of(principal), null);
        assertThat(access.authenticate(token)).isPresent();
        assertThat(access.authenticate(token + "x")).isEmpty();
    }

    @Test
    void refusesADonorWithoutProgrammesAndScopesOnTheWrongRole() {
        assertThat(execute("token", "--name", "d", "--role", "donor")).isNotZero();
        assertThat(execute("token", "--name", "a", "--role", "analyst", "--offices", "PNH")).isNotZero();
        assertThat(execute("token", "--name", "s", "--role", "staff", "--programs", "social")).isNotZero();
    }

    private static int execute(String... args) {
        return new CommandLine(new TonleCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(new StringWriter())).execute(args);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new TonleCommand()).setCaseInsensitiveEnumValuesAllowed(true).setOut(new PrintWriter(out)).execute(args);
        assertThat(code).isZero();
        return out.toString();
    }

    private static String token(String output) {
        return output.lines().filter(l -> l.startsWith("#   ")).findFirst().orElseThrow().substring(4).trim();
    }
}

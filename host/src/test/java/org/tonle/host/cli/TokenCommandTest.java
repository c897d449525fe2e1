package org.tonle.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.PrincipalConfig;
import org.tonle.core.config.Role;
import org.tonle.core.config.TonleConfig;
import org.tonle.host.TestNode;
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

    @Test
    void addWritesAValidAccessYamlKeepingItsComments(@TempDir Path config) throws Exception {
        Path file = config.resolve("access.yaml");
        Files.copy(TestNode.repository().resolve("config/access.yaml"), file); // principals: [] and commented examples
        String first = run("token", "add", "donor-b", "--role", "donor", "--programs", "social,awareness", "--config", config.toString());
        String second = run("token", "add", "pnh-staff", "--role", "staff", "--offices", "PNH", "--config", config.toString());
        String third = run("token", "add", "eva", "--role", "analyst", "--config", config.toString());
        String text = Files.readString(file);
        assertThat(text).contains("# Who may call the API").contains("#  - name: donor-a");
        List<PrincipalConfig> principals = TonleConfig.readPrincipals(file);
        assertThat(principals).extracting(PrincipalConfig::name).containsExactly("donor-b", "pnh-staff", "eva");
        assertThat(principals.get(0).programs()).containsExactly("social", "awareness");
        assertThat(principals.get(1).offices()).containsExactly("PNH");
        String token = lastLine(first);
        assertThat(text).doesNotContain(token).contains(AccessControl.sha256Hex(token));
        AccessControl access = new AccessControl(principals, null);
        assertThat(access.authenticate(token).orElseThrow().name()).isEqualTo("donor-b");
        assertThat(access.authenticate(lastLine(second)).orElseThrow().name()).isEqualTo("pnh-staff");
        assertThat(access.authenticate(lastLine(third)).orElseThrow().name()).isEqualTo("eva");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        // a name taken once; a missing file is created
        assertThat(execute("token", "add", "EVA", "--role", "analyst", "--config", config.toString())).isNotZero();
        Path fresh = config.resolve("fresh");
        Files.createDirectories(fresh);
        run("token", "add", "solo", "--role", "admin", "--config", fresh.toString());
        assertThat(TonleConfig.readPrincipals(fresh.resolve("access.yaml"))).extracting(PrincipalConfig::name).containsExactly("solo");
    }

    @Test
    void aBrokenAccessYamlIsRefusedWithItsLineAndLeftAsItIs(@TempDir Path config) throws Exception {
        Path file = config.resolve("access.yaml");
        String broken = "principals:\n  - name: a\n    role: [admin\n";
        Files.writeString(file, broken);
        StringWriter err = new StringWriter();
        int code = new CommandLine(new TonleCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler((e, line, parsed) -> {
                    line.getErr().println(e.getMessage());
                    return 1;
                }).execute("token", "add", "b", "--role", "admin", "--config", config.toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("access.yaml, line ");
        assertThat(Files.readString(file)).isEqualTo(broken);
    }

    @Test
    void insertsIntoEveryLayoutOfThePrincipalsList() {
        String entry = "  - name: n\n    role: admin\n    token_sha256: " + "a".repeat(64) + "\n";
        for (String text : List.of("", "principals: []\n", "principals: [] # none yet\n# a comment\n", "principals:\n",
                "principals:\n  - name: m\n    role: admin\n    token_sha256: " + "b".repeat(64) + "\n",
                "principals:\n  - name: m\n    role: admin\n    token_sha256: " + "b".repeat(64),
                "# head\nprincipals:\n  - name: m\n    role: admin\n    token_sha256: " + "b".repeat(64) + "\n# tail\n")) {
            String next = TokenCommand.Add.insert(text, entry);
            List<PrincipalConfig> principals = TonleConfig.parsePrincipals(Path.of("access.yaml"), next);
            assertThat(principals).as(next).extracting(PrincipalConfig::name).last().isEqualTo("n");
        }
    }

    private static String lastLine(String output) {
        List<String> lines = output.lines().toList();
        return lines.get(lines.size() - 1).trim();
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

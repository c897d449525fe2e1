package org.tonle.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Role;
import org.tonle.host.auth.PasswordHash;
import org.tonle.host.auth.UserFile;

import picocli.CommandLine;

/** {@code tonle user}: users.yaml written by the command, the password read twice from standard input. */
class UserCommandTest {

    @Test
    void addPasswdDisableAndList(@TempDir Path config) throws Exception {
        assertThat(run("first-password-1\nfirst-password-1\n", "user", "add", "sokha", "--role", "staff", "--offices", "PNH",
                "--config", config.toString()).code).isZero();
        List<UserFile.User> users = UserFile.read(UserFile.in(config));
        assertThat(users).singleElement().satisfies(u -> {
            assertThat(u.name()).isEqualTo("sokha");
            assertThat(u.role()).isEqualTo(Role.STAFF);
            assertThat(u.offices()).containsExactly("PNH");
            assertThat(PasswordHash.verify("first-password-1".toCharArray(), u.passwordHash())).isTrue();
        });
        String text = Files.readString(UserFile.in(config));
        assertThat(text).doesNotContain("first-password-1").contains("$argon2id$");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(UserFile.in(config)))).isEqualTo("rw-------");
        try (var files = Files.list(config)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("users.yaml"); // no temporary file left
        }

        // the two entries must match; a short password is refused; a name is taken once
        assertThat(run("second-password-2\nsecond-password-X\n", "user", "passwd", "sokha", "--config", config.toString()).code).isNotZero();
        assertThat(run("short\nshort\n", "user", "passwd", "sokha", "--config", config.toString()).code).isNotZero();
        assertThat(run("first-password-1\nfirst-password-1\n", "user", "add", "SOKHA", "--role", "staff", "--config", config.toString()).code)
                .isNotZero();
        assertThat(run("first-password-1\nfirst-password-1\n", "user", "add", "d", "--role", "donor", "--config", config.toString()).code)
                .isNotZero();
        assertThat(PasswordHash.verify("first-password-1".toCharArray(), UserFile.read(UserFile.in(config)).get(0).passwordHash())).isTrue();

        assertThat(run("second-password-2\nsecond-password-2\n", "user", "passwd", "sokha", "--config", config.toString()).code).isZero();
        UserFile.User changed = UserFile.read(UserFile.in(config)).get(0);
        assertThat(PasswordHash.verify("second-password-2".toCharArray(), changed.passwordHash())).isTrue();
        assertThat(PasswordHash.verify("first-password-1".toCharArray(), changed.passwordHash())).isFalse();
        assertThat(run("", "user", "passwd", "nobody", "--config", config.toString()).code).isNotZero();

        assertThat(run("donor-password-3\ndonor-password-3\n", "user", "add", "donor-b", "--role", "donor", "--programs", "social",
                "--config", config.toString()).code).isZero();
        assertThat(run("", "user", "disable", "sokha", "--config", config.toString()).code).isZero();
        assertThat(UserFile.read(UserFile.in(config)).get(0).disabled()).isTrue();
        Result list = run("", "user", "list", "--config", config.toString());
        assertThat(list.out).contains("sokha").contains("disabled").contains("donor-b").contains("programs social")
                .doesNotContain("argon2");
    }

    @Test
    void aBrokenUsersFileIsNamedWithItsLine(@TempDir Path config) throws Exception {
        Files.writeString(UserFile.in(config), "users:\n  - name: a\n    role: staff\n    password_argon2id: nothing\n");
        Result result = run("", "user", "list", "--config", config.toString());
        assertThat(result.code).isNotZero();
        assertThat(result.err).contains("users.yaml, line 2").contains("password_argon2id");
        Files.writeString(UserFile.in(config), "users:\n  - name: a\n    role: [staff\n");
        assertThat(run("", "user", "list", "--config", config.toString()).err).contains("users.yaml, line ");
    }

    record Result(int code, String out, String err) {
    }

    private static Result run(String stdin, String... args) {
        InputStream before = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine line = new CommandLine(new TonleCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                    .setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
            line.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                commandLine.getErr().println(e.getMessage());
                return 1;
            });
            int code = line.execute(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setIn(before);
        }
    }
}

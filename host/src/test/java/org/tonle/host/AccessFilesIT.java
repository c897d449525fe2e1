package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.auth.UserFile;
import org.tonle.host.cli.TonleCommand;

import picocli.CommandLine;

/**
 * access.yaml and users.yaml on a real node: {@code bin/tonle token add} writes a file the
 * running node takes up; a broken file fails the start naming the file and the line, and a
 * broken edit of a running node keeps the last good principals and says so in the status.
 */
class AccessFilesIT {

    @Test
    void aBrokenAccessYamlOrUsersYamlFailsTheStartNamingTheFileAndLine(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path access = root.resolve("config/access.yaml");
        String good = Files.readString(access);
        Files.writeString(access, "principals:\n  - name: eva\n    role: analyst\n   token_sha256: abc\n");
        assertThatThrownBy(() -> TestNode.start(root)).hasMessageContaining("access.yaml, line 4");
        Files.writeString(access, "principals:\n  - name: eva\n    role: auditor\n    token_sha256: " + "a".repeat(64) + "\n");
        assertThatThrownBy(() -> TestNode.start(root)).hasMessageContaining("access.yaml, line 3");
        Files.writeString(access, good);
        Files.writeString(UserFile.in(root.resolve("config")), "users:\n  - name: sokha\n    role: staff\n    password_argon2id: plain\n");
        assertThatThrownBy(() -> TestNode.start(root)).hasMessageContaining("users.yaml, line 2").hasMessageContaining("Argon2id");
    }

    @Test
    void tokenAddIsTakenUpByARunningNodeAndABrokenEditKeepsTheLastGoodFile(@TempDir Path root) throws Exception {
        try (TestNode node = TestNode.start(root)) {
            String token = add(node, "eva", "analyst");
            Waiting.until("the access files take effect", () -> node.get("/api/v1/me", token).status() == 200);
            assertThat(node.get("/api/v1/me", token).json().path("name").asText()).isEqualTo("eva");
            Path access = node.config().resolve("access.yaml");
            String good = Files.readString(access);
            Files.writeString(access, good + "  - name: [broken\n");
            Waiting.until("the access files take effect", () -> node.get("/api/v1/status").json().path("access").has("error"));
            assertThat(node.get("/api/v1/status").json().path("access").path("error").asText())
                    .contains("access.yaml, line").contains("stay in force");
            assertThat(node.get("/api/v1/me", token).status()).isEqualTo(200);
            Files.writeString(access, good);
            Waiting.until("the access files take effect", () -> !node.get("/api/v1/status").json().path("access").has("error"));
            String second = add(node, "dara", "donor", "--programs", "social");
            Waiting.until("the access files take effect", () -> node.get("/api/v1/me", second).status() == 200);
            assertThat(node.get("/api/v1/me", token).status()).isEqualTo(200);
        }
    }

    private static String add(TestNode node, String name, String role, String... more) {
        StringWriter out = new StringWriter();
        List<String> args = new ArrayList<>(List.of("token", "add", name, "--role", role, "--config", node.config().toString()));
        args.addAll(List.of(more));
        int code = new CommandLine(new TonleCommand()).setCaseInsensitiveEnumValuesAllowed(true).setOut(new PrintWriter(out))
                .execute(args.toArray(String[]::new));
        assertThat(code).as(out.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        return lines.get(lines.size() - 1).trim();
    }
}

package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's secrets live in a folder of their own ({@code secrets.folder}), which may be
 * outside the data folder, and never where SQL or programme routes reach.
 */
class SecretsFolderIT {

    @TempDir
    Path root;

    private void configure(String folder) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        String text = Files.readString(settings);
        assertThat(text).contains("\n  folder: \"\"\n");
        Files.writeString(settings, text.replace("\n  folder: \"\"\n", "\n  folder: \"" + folder + "\"\n"));
    }

    @Test
    void theKeyLivesInTheConfiguredFolderOutsideTheDataFolder() throws Exception {
        configure("../vault");
        try (TestNode node = TestNode.start(root)) {
            String record = ProgrammeLifecycleIT.CLIENT.formatted(UUID.randomUUID(), "1");
            assertThat(node.post("/api/v1/activities", record).json().path("accepted").asInt()).isEqualTo(1);
        }
        Path key = root.resolve("vault/subject-key");
        assertThat(key).exists();
        assertThat(Files.getPosixFilePermissions(key)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertThat(root.resolve("data/secrets")).doesNotExist();
    }

    @Test
    void aSecretsFolderThatRoutesCouldReachIsRefusedAtStart() throws Exception {
        configure("../data/intake/keys");
        assertThatThrownBy(() -> TestNode.start(root)).hasStackTraceContaining("which SQL or programme routes can reach")
                .hasStackTraceContaining("secrets.folder");
        assertThat(root.resolve("data/intake/keys/subject-key")).doesNotExist();
    }
}

package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails in a part started on a thread of its own (Felix, beside Camel's context and
 * the record store) fails with that part's own reason, not wrapped, and stops what had started:
 * the same data folder (its warehouse file) starts afterwards.
 */
class FailedStartIT {

    @TempDir
    Path root;

    @Test
    void felixFailingToStartFailsTheStartWithItsReasonAndStopsTheRest() throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.createDirectories(root.resolve("data"));
        // Felix's file watcher needs data/deploy as a folder.
        Files.writeString(root.resolve("data/deploy"), "not a folder");
        Node.Options options = new Node.Options(root.resolve("config"), root.resolve("data"), "127.0.0.1", 0, 0, null,
                TestNode.repository().resolve("host/target/bundles"), TestNode.ADMIN_TOKEN);

        assertThatThrownBy(() -> Node.start(options)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot start the OSGi framework");

        Files.delete(root.resolve("data/deploy"));
        try (TestNode node = TestNode.start(root)) {
            assertThat(node.get("/health").status()).isEqualTo(200);
        }
    }
}

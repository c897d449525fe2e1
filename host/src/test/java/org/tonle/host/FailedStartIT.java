package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails stops what had started: a part started on a thread of its own (Felix, beside
 * Camel's context, the record store and Jersey's build) fails it with its own reason and the same data folder
 * starts afterwards; a start failing after Jersey's application was built (review r8) leaves no
 * thread of the HTTP side running.
 */
class FailedStartIT {

    static final List<String> HTTP_THREADS = List.of("tonle-http-build", "HttpServer-", "grizzly", "jersey");

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

        Set<Thread> before = Thread.getAllStackTraces().keySet();
        assertThatThrownBy(() -> Node.start(options)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot start the OSGi framework");
        assertThat(threadsLeft(before, List.of("Felix", "fileinstall"))).isEmpty();
        // Jersey's application was being built beside Felix's start: it is shut down too.
        assertThat(threadsLeft(before, HTTP_THREADS)).isEmpty();

        Files.delete(root.resolve("data/deploy"));
        try (TestNode node = TestNode.start(root)) {
            assertThat(node.get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void aStartThatFailsOnItsPortLeavesNoThreadOfTheHttpSideRunning() throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> Node.start(new Node.Options(root.resolve("config"), root.resolve("data"), "127.0.0.1",
                    taken.getLocalPort(), 0, null, TestNode.repository().resolve("host/target/bundles"), TestNode.ADMIN_TOKEN)))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        // The failed start has returned: whatever it stopped is stopped now, nothing is waited for.
        assertThat(threadsLeft(before, HTTP_THREADS)).isEmpty();
        // Felix had started: its resolver's and start level's threads are gone with it.
        assertThat(threadsLeft(before, List.of("Felix", "fileinstall"))).isEmpty();
    }

    /** The threads started since {@code before} and still alive whose names start with one of {@code prefixes}. */
    static List<String> threadsLeft(Set<Thread> before, List<String> prefixes) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(name -> prefixes.stream().anyMatch(name::startsWith))
                .toList();
    }
}

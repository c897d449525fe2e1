package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review r8: a start that fails after Jersey's application was built (on its thread
 * {@code tonle-http-build}) only waited for the build; the application and the HTTP server's own
 * threads outlived the failed start. Now nothing of the HTTP side is left running.
 */
class FailedStartIT {

    static final List<String> HTTP_THREADS = List.of("tonle-http-build", "HttpServer-", "grizzly", "jersey");

    @Test
    void aStartThatFailsOnItsPortLeavesNoThreadOfTheHttpSideRunning(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> Node.start(new Node.Options(root.resolve("config"), root.resolve("data"), "127.0.0.1",
                    taken.getLocalPort(), 0, null, TestNode.repository().resolve("host/target/bundles"), TestNode.ADMIN_TOKEN)))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        // The failed start has returned: whatever it stopped is stopped now, nothing is waited for.
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(name -> HTTP_THREADS.stream().anyMatch(name::startsWith))
                .toList();
        assertThat(left).isEmpty();
    }
}

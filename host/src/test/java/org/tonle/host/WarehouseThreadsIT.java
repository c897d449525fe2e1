package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code warehouse.threads} sets DuckDB's threads in the node's own instance (1 by default: see
 * docs/PERFORMANCE.md), {@code sql.threads} those of the analyst workers, each apart.
 */
class WarehouseThreadsIT {

    @Test
    void theNodesWarehouseRunsOnOneDuckDbThreadByDefault(@TempDir Path root) throws Exception {
        try (TestNode node = TestNode.start(root)) {
            assertThat(threads(node)).isEqualTo(1);
        }
    }

    @Test
    void warehouseThreadsAndSqlThreadsAreSetApart(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Path settings = root.resolve("config/tonle.yaml");
        String text = Files.readString(settings);
        String configured = text.replace("\n  threads: 1\n", "\n  threads: 2\n").replace("\n  threads: 0  ", "\n  threads: 3  ");
        assertThat(configured).isNotEqualTo(text).contains("threads: 2").contains("threads: 3");
        Files.writeString(settings, configured);
        try (TestNode node = TestNode.start(root)) {
            assertThat(threads(node)).isEqualTo(2);
            TestNode.Response answer = node.send("POST", "/api/v1/sql", TestNode.ADMIN_TOKEN, "application/json",
                    "{\"sql\": \"SELECT count(*) AS n FROM offices\", \"limit\": 5}", "application/json");
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            // A worker's arguments: its spill folder, memory_limit, threads, max_temp_size.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(workerThreads()).contains("3"));
        }
    }

    private static long threads(TestNode node) throws Exception {
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('threads')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The threads argument of this JVM's analyst worker processes, from /proc (the JDK's
     * {@code ProcessHandle.Info} gives no arguments for a command line as long as the node's
     * class path).
     */
    private static List<String> workerThreads() {
        return ProcessHandle.current().descendants()
                .map(WarehouseThreadsIT::arguments)
                .flatMap(Optional::stream)
                .filter(args -> args.contains("org.tonle.analytics.SqlWorker"))
                .map(args -> args.get(args.indexOf("org.tonle.analytics.SqlWorker") + 3))
                .toList();
    }

    private static Optional<List<String>> arguments(ProcessHandle process) {
        try {
            String line = new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")), StandardCharsets.UTF_8);
            return Optional.of(List.of(line.split("\0")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

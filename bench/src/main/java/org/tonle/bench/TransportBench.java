package org.tonle.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import org.tonle.host.KafkaBroker;
import org.tonle.host.TestNode;
import org.tonle.pipelines.SubjectKeys;

/**
 * The Kafka path (docs/SCALING.md) against the single node, in one process on this machine:
 * an office node and a headquarters node over a real broker (a child JVM), and, as the
 * baseline, a single node taking the same records.
 * <ul>
 * <li>throughput: records posted in requests of {@code batch} until the warehouse that counts
 *     them (headquarters, or the single node) has committed them all;</li>
 * <li>latency: one record at a time, from the POST until that warehouse has committed it.</li>
 * </ul>
 * Run from the repository root (see docs/PERFORMANCE.md):
 * {@code bin/bench transport [records [batch [singles]]]}
 */
public final class TransportBench {

    private TransportBench() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int singles = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Path root = Files.createTempDirectory("tonle-transport-bench");
        Path key = root.resolve("organisation-key");
        SubjectKeys.fromFile(key, true);
        System.out.printf("TransportBench: %d records in requests of %d, then %d single records; %d cores%n",
                records, batch, singles, Runtime.getRuntime().availableProcessors());

        try (TestNode single = node(root, "single", null, "single", "127.0.0.1:9", key)) {
            report("single node (baseline)", single, single, records, batch, singles);
        }
        try (KafkaBroker broker = KafkaBroker.start(root.resolve("kafka"))) {
            broker.createTopic("tonle.records", 3);
            try (TestNode hq = node(root, "hq", null, "headquarters", broker.bootstrap(), key);
                 TestNode office = node(root, "office", "PNH", "office", broker.bootstrap(), key)) {
                report("office -> Kafka -> headquarters", office, hq, records, batch, singles);
            }
        }
    }

    private static void report(String name, TestNode entry, TestNode warehouse, int records, int batch, int singles) {
        // Warm-up: class loading, JIT, the first Kafka metadata round trip.
        post(entry, cases(500));
        awaitCount(warehouse, 500);
        long start = System.nanoTime();
        for (int sent = 0; sent < records; sent += batch) {
            post(entry, cases(Math.min(batch, records - sent)));
        }
        awaitCount(warehouse, 500L + records);
        double seconds = (System.nanoTime() - start) / 1e9;

        List<Double> latencies = new ArrayList<>();
        long expected = 500L + records;
        for (int i = 0; i < singles; i++) {
            String one = cases(1);
            long t0 = System.nanoTime();
            post(entry, one);
            awaitCount(warehouse, ++expected);
            latencies.add((System.nanoTime() - t0) / 1e6);
        }
        Collections.sort(latencies);
        System.out.printf("%-34s %9.0f records/s (%d in %.1f s)   end-to-end latency p50 %6.1f ms, p95 %6.1f ms, max %6.1f ms%n",
                name, records / seconds, records, seconds, percentile(latencies, 50), percentile(latencies, 95),
                latencies.get(latencies.size() - 1));
    }

    private static double percentile(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static void post(TestNode node, String ndjson) {
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", ndjson,
                "application/json");
        if (answer.status() != 200 || !answer.json().path("rejected").isEmpty()) {
            throw new IllegalStateException("the node refused records: " + answer.status() + " " + answer.body());
        }
    }

    /** Polls the warehouse that counts the records (every 2 ms) until it holds this many. */
    private static void awaitCount(TestNode node, long count) {
        long deadline = System.nanoTime() + 600_000_000_000L;
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM fact_activity")) {
                    rs.next();
                    if (rs.getLong(1) >= count) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the warehouse did not reach " + count + " records in 10 minutes");
                }
                Thread.sleep(2);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Case intakes at PNH (no subject), each with a fresh id. */
    private static String cases(int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"program\":\"investigation\",\"type\":\"case_intake\",")
                    .append("\"office\":\"PNH\",\"date\":\"2016-03-").append(String.format("%02d", 1 + i % 28))
                    .append("\",\"attributes\":{\"channel\":\"hotline\"}}\n");
        }
        return out.toString();
    }

    private static TestNode node(Path root, String name, String office, String role, String bootstrap, Path key) {
        Path config = root.resolve(name).resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        try {
            Path file = config.resolve("tonle.yaml");
            Files.writeString(file, Files.readString(file)
                    .replace("role: single", "role: " + role)
                    .replace("bootstrap: 127.0.0.1:9092", "bootstrap: " + bootstrap)
                    .replace("key_file: \"\"", "key_file: \"" + key.toAbsolutePath() + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return TestNode.start(root.resolve(name), office);
    }
}

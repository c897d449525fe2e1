package org.tonle.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.sun.management.OperatingSystemMXBean;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.tonle.host.KafkaBroker;
import org.tonle.host.TestNode;
import org.tonle.pipelines.SubjectKeys;

/**
 * The Kafka path (docs/SCALING.md, docs/TRANSPORT.md) against single-node HTTP ingest, in one
 * process on this machine: an office node and a headquarters node over a real broker (a child
 * JVM) with TLS, SASL/SCRAM-SHA-512 and ACLs as in production, and, as the baseline, a single
 * node taking the same records the same way.
 * <ol>
 * <li>before each of the two: the same load, untimed (JIT, the first Kafka round trips);</li>
 * <li>baseline: {@code clients} threads post {@code records} new records in requests of
 *     {@code batch} to a single node until its warehouse has committed them all;</li>
 * <li>end to end: the same at the office node, until headquarters has committed them all (the
 *     office's ingest, its outbox, the broker and headquarters all share the machine);</li>
 * <li>headquarters draining a backlog: the office's records wait in Kafka, and a fresh
 *     headquarters node (a consumer group of its own) loads them: the rate at which headquarters
 *     keeps up with its offices, consumed in batches and loaded by group commit;</li>
 * <li>latency: one record at a time, from the POST until the counting warehouse committed it;</li>
 * <li>as deployed ({@link PinnedTransportRuns}): 2 and 3 again with every node a process on a CPU
 *     of its own, its ratio printed next to the unpinned one.</li>
 * </ol>
 * Run from the repository root (see docs/PERFORMANCE.md):
 * {@code bin/bench transport [records [batch [clients [singles]]]]}
 */
public final class TransportBench {

    private static final String HQ_PASSWORD = "hq-" + UUID.randomUUID();
    private static final String PNH_PASSWORD = "pnh-" + UUID.randomUUID();

    private TransportBench() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int singles = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        Path root = Files.createTempDirectory("tonle-transport-bench");
        try {
            run(root, records, batch, clients, singles);
        } finally {
            Scratch.delete(root);
        }
    }

    private static void run(Path root, int records, int batch, int clients, int singles) throws Exception {
        Path key = root.resolve("organisation-key");
        SubjectKeys.fromFile(key, true);
        System.out.printf("TransportBench: %d records in requests of %d from %d clients, then %d single records; %d cores%n",
                records, batch, clients, singles, Runtime.getRuntime().availableProcessors());

        if (System.getenv().containsKey("TONLE_BENCH_PINNED_ONLY")) {
            // For profiling the nodes (TONLE_BENCH_NODE_OPTS): the pinned runs alone.
            PinnedTransportRuns.run(root, key, records, batch, clients, Double.NaN);
            return;
        }
        double single;
        double unpinned;
        try (TestNode node = node(root, "single", null, "single", null, key, null, null)) {
            single = report("single node, HTTP ingest (baseline)", node, node, null, records, batch, clients, singles);
        }
        try (KafkaBroker broker = broker(root.resolve("kafka"))) {
            long total;
            double endToEnd;
            try (TestNode office = node(root, "office", "PNH", "office", broker, key, "office-pnh", PNH_PASSWORD)) {
                try (TestNode hq = node(root, "hq", null, "headquarters", broker, key, "headquarters", HQ_PASSWORD)) {
                    endToEnd = report("office -> Kafka -> headquarters", office, hq, broker, records, batch, clients, singles);
                }
                // A backlog: headquarters is away while the office takes the records again (new ids).
                postAll(office, records, batch, clients);
                total = count(office);
                awaitOutboxEmpty(office);
            }
            System.out.printf("backlog: %d records wait in Kafka for headquarters%n", total);
            double drain;
            try (TestNode hq = node(root, "hq-drain", null, "headquarters", broker, key, "headquarters", HQ_PASSWORD)) {
                drain = drain(hq, total);
            }
            System.out.printf("%-38s %9.0f records/s%n", "headquarters draining the backlog", drain);
            System.out.printf("%nratios to single-node HTTP ingest (target >= 0.80): end to end %.2f, headquarters draining %.2f%n",
                    endToEnd / single, drain / single);
            unpinned = endToEnd / single;
        }
        if (Runtime.getRuntime().availableProcessors() < 2) {
            System.out.println("pinned runs skipped: they need two CPUs");
            return;
        }
        PinnedTransportRuns.run(root, key, records, batch, clients, unpinned);
    }

    private static double report(String name, TestNode entry, TestNode warehouse, KafkaBroker broker, int records, int batch,
                                 int clients, int singles) throws InterruptedException {
        // Warm-up, the same load untimed, so that neither path is measured while the JIT still
        // compiles it (with 500 records only, the JIT took a third of the end-to-end run's CPU):
        // class loading, the first Kafka metadata round trip, TLS, the receiver.
        post(entry, cases(500));
        postAll(entry, records, batch, clients);
        long before = 500L + records;
        awaitCount(warehouse, before);
        long cpu = processCpu();
        long brokerCpu = broker == null ? 0 : broker.cpu().toNanos();
        long start = System.nanoTime();
        Timeline timeline = entry == warehouse ? null : new Timeline(entry, warehouse, start);
        if (timeline != null) {
            timeline.start();
        }
        postAll(entry, records, batch, clients);
        double accepted = (System.nanoTime() - start) / 1e9;
        awaitCount(warehouse, before + records);
        double seconds = (System.nanoTime() - start) / 1e9;
        double jvmSeconds = (processCpu() - cpu) / 1e9;
        double brokerSeconds = broker == null ? 0 : (broker.cpu().toNanos() - brokerCpu) / 1e9;
        String progress = timeline == null ? null : timeline.finish();

        List<Double> latencies = new ArrayList<>();
        long expected = before + records;
        for (int i = 0; i < singles; i++) {
            String one = cases(1);
            long t0 = System.nanoTime();
            post(entry, one);
            awaitCount(warehouse, ++expected);
            latencies.add((System.nanoTime() - t0) / 1e6);
        }
        Collections.sort(latencies);
        double rate = records / seconds;
        System.out.printf("%-38s %9.0f records/s (%d in %.1f s; all answered by the entry node after %.1f s)"
                        + "   end-to-end latency p50 %6.1f ms, p95 %6.1f ms, max %6.1f ms%n",
                name, rate, records, seconds, accepted, percentile(latencies, 50), percentile(latencies, 95),
                latencies.get(latencies.size() - 1));
        System.out.printf("  CPU while it ran: %.1f s (this JVM: nodes and clients %.1f s, broker %.1f s), %.0f µs per record%n",
                jvmSeconds + brokerSeconds, jvmSeconds, brokerSeconds, (jvmSeconds + brokerSeconds) * 1e6 / records);
        if (progress != null) {
            System.out.println(progress);
        }
        return rate;
    }

    /**
     * Every half second: what the office has committed, its outbox depth and what headquarters
     * has committed, to show which side the time waits on.
     */
    private static final class Timeline extends Thread {
        private final TestNode office;
        private final TestNode hq;
        private final long start;
        private final StringBuilder line = new StringBuilder(
                "  timeline (s: office records / outbox depth / headquarters records, the warm-up's included):");
        private volatile boolean done;

        Timeline(TestNode office, TestNode hq, long start) {
            super("timeline");
            this.office = office;
            this.hq = hq;
            this.start = start;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!done) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    long depth = office.get("/api/v1/status").json().path("transport").path("outbox").path("depth").asLong(-1);
                    line.append(String.format(" %.1f: %d/%d/%d", (System.nanoTime() - start) / 1e9, count(office), depth, count(hq)));
                } catch (RuntimeException e) {
                    line.append(" (").append(e.getMessage()).append(')');
                }
            }
        }

        String finish() throws InterruptedException {
            done = true;
            interrupt();
            join(10_000);
            // More waiting than the outbox's queue holds sends the forwarder to the table, each read joining record_version.
            String reads = office.send("GET", "/metrics", TestNode.ADMIN_TOKEN, null, null, "text/plain").body().lines()
                    .filter(l -> l.startsWith("tonle_outbox_table_reads_total")).findFirst().orElse("tonle_outbox_table_reads_total ?");
            return line + "\n  office: " + reads;
        }
    }

    /** CPU time of this JVM so far, in nanoseconds. */
    static long processCpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** {@code clients} threads post {@code records} new records in requests of {@code batch}. */
    private static void postAll(TestNode entry, int records, int batch, int clients) {
        postAll(ndjson -> post(entry, ndjson), records, batch, clients);
    }

    /** {@code clients} threads hand {@code records} new records in requests of {@code batch} to {@code post}. */
    static void postAll(Consumer<String> post, int records, int batch, int clients) {
        AtomicInteger left = new AtomicInteger(records);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    int n;
                    while ((n = Math.min(batch, left.getAndAdd(-batch))) > 0) {
                        post.accept(cases(n));
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
    }

    /** Headquarters' rate over a backlog: from its first committed record until it holds them all. */
    private static double drain(TestNode hq, long total) throws InterruptedException {
        long first;
        long start;
        while ((first = count(hq)) == 0) {
            Thread.sleep(2);
        }
        start = System.nanoTime();
        awaitCount(hq, total);
        return (total - first) / ((System.nanoTime() - start) / 1e9);
    }

    private static void awaitOutboxEmpty(TestNode office) throws InterruptedException {
        while (office.get("/api/v1/status").json().path("transport").path("outbox").path("depth").asLong(-1) != 0) {
            Thread.sleep(50);
        }
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

    private static long count(TestNode node) {
        try (Connection c = node.node().warehouse().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM fact_activity")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls the warehouse that counts the records (every 2 ms) until it holds this many. */
    private static void awaitCount(TestNode node, long count) {
        long deadline = System.nanoTime() + 600_000_000_000L;
        try {
            while (count(node) < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the warehouse did not reach " + count + " records in 10 minutes");
                }
                Thread.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Case intakes at PNH (no subject), each with a fresh id. */
    static String cases(int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"program\":\"investigation\",\"type\":\"case_intake\",")
                    .append("\"office\":\"PNH\",\"date\":\"2016-03-").append(String.format("%02d", 1 + i % 28))
                    .append("\",\"attributes\":{\"channel\":\"hotline\"}}\n");
        }
        return out.toString();
    }

    /** A node of this role; with a broker, signed in to it as {@code user} (its password in the node's secrets folder). */
    private static TestNode node(Path root, String name, String office, String role, KafkaBroker broker, Path key, String user,
                                 String password) {
        configure(root, name, role, broker, key, user, password);
        return TestNode.start(root.resolve(name), office);
    }

    /** Writes {@code root/name/config} (and its secrets folder) for a node of this role; returns the config folder. */
    static Path configure(Path root, String name, String role, KafkaBroker broker, Path key, String user, String password) {
        Path config = root.resolve(name).resolve("config");
        Path secrets = root.resolve(name).resolve("secrets");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        try {
            Path file = config.resolve("tonle.yaml");
            String yaml = Files.readString(file)
                    .replace("role: single", "role: " + role)
                    .replace("key_file: \"\"", "key_file: \"" + key.toAbsolutePath() + "\"");
            if (broker != null) {
                Files.createDirectories(secrets);
                Files.writeString(secrets.resolve("kafka-password"), password + "\n");
                yaml = yaml.replace("bootstrap: 127.0.0.1:9092", "bootstrap: " + broker.bootstrap())
                        .replace("truststore: \"\"", "truststore: \"" + broker.certificate().toAbsolutePath() + "\"")
                        .replace("username: \"\"", "username: " + user)
                        .replace("group: tonle-headquarters", "group: tonle-" + name)
                        .replace("folder: \"\"\nbackup:", "folder: \"" + secrets.toAbsolutePath() + "\"\nbackup:");
            }
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    /** A broker as in production, with the office PNH's and headquarters' users, topics and ACLs. */
    static KafkaBroker broker(Path dir) {
        KafkaBroker broker = KafkaBroker.startSecure(dir, Map.of("headquarters", HQ_PASSWORD, "office-pnh", PNH_PASSWORD));
        broker.createTopic("tonle.records.PNH", 3);
        broker.createTopic("tonle.refusals.PNH", 1);
        broker.allow("office-pnh", ResourceType.TOPIC, "tonle.records.PNH", PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE);
        broker.allow("office-pnh", ResourceType.TOPIC, "tonle.refusals.PNH", PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        broker.allow("headquarters", ResourceType.TOPIC, "tonle.records.", PatternType.PREFIXED, AclOperation.READ, AclOperation.DESCRIBE);
        broker.allow("headquarters", ResourceType.TOPIC, "tonle.refusals.", PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE);
        broker.allow("headquarters", ResourceType.GROUP, "tonle-", PatternType.PREFIXED, AclOperation.READ, AclOperation.DESCRIBE);
        return broker;
    }

    static String hqPassword() {
        return HQ_PASSWORD;
    }

    static String pnhPassword() {
        return PNH_PASSWORD;
    }
}

package org.tonle.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.tonle.core.Json;
import org.tonle.host.ChildNode;
import org.tonle.host.TestNode;

/**
 * Memory under load (issue 22, item 8): the node started exactly as {@code bin/tonle serve}
 * starts it (the script itself, so its JVM options are the ones measured), holding RECORDS
 * client contacts, then CLIENTS clients for SECONDS: half of them post new records (batches of
 * 100, one batch in ten sent twice), the rest read dashboards (indicator tables), reports (HTML
 * and PDF) and analysts' SQL. Every second the node's resident set (VmRSS of the JVM; the
 * analyst workers, its child processes, apart) and every five its heap (from {@code /metrics}).
 * Baseline in the same run: the same node idle after its start and the first answer.
 * Afterwards, the records the node acknowledged must all be counted, once.
 *
 * <pre>bin/bench soak [RECORDS] [SECONDS] [CLIENTS] [SNAPSHOT_MAX_AGE]   (defaults 1000000 120 24 0)</pre>
 *
 * SNAPSHOT_MAX_AGE (seconds) is set as {@code sql.snapshot_max_age_seconds} in a copy of
 * config/; 0 leaves config/ as it is.
 */
public final class SoakBench {

    private static final String TOKEN = "soak-bench-admin-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String[] DASHBOARD = {
        "/api/v1/indicators/social.clients_met/values?period=2015&by=office&by=sex",
        "/api/v1/indicators/social.clients_met/values?period=2015-08&by=sex",
        "/api/v1/indicators/social.clients_met/values?period=2015-Q3&by=office",
        "/api/v1/indicators/social.clients_met/values?period=2015&by=age_band",
        "/api/v1/indicators/social.clients_met/values?period=2016&by=office&by=sex",
    };
    private static final String[] ANALYST = {
        "SELECT office, sex, count(DISTINCT subject_key) AS persons, count(*) AS records FROM activities"
            + " WHERE activity_date BETWEEN DATE '2015-07-01' AND DATE '2015-09-30' GROUP BY ALL ORDER BY ALL",
        "SELECT code, name FROM offices ORDER BY code",
    };
    private static final Pattern HEAP_USED = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\".*?\\} ([0-9.E+]+)$", Pattern.MULTILINE);

    private SoakBench() {
    }

    public static void main(String[] args) throws Exception {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 24;
        int snapshotMaxAge = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Path work = Path.of("bench/target/soak-bench").toAbsolutePath();
        Path data = RestartBench.fresh(work);
        Path log = work.resolve("node.log");
        Path config = Path.of("config").toAbsolutePath();
        if (snapshotMaxAge > 0) {
            config = copyConfig(config, work.resolve("config"), snapshotMaxAge);
        }
        System.out.printf("SoakBench: %,d records, %d clients for %d s, the node as bin/tonle starts it, sql.snapshot_max_age_seconds %d;"
                + " %d cores; load average %s%n", records, clients, seconds, snapshotMaxAge, Runtime.getRuntime().availableProcessors(),
                SqlSandboxBench.loadAverage());
        try (Node ignored = Node.start(config, data, log)) {
            // the first start makes the node's keys
        }
        long t = System.nanoTime();
        RestartBench.fill(data, records);
        System.out.printf("warehouse filled in %.1f s%n", (System.nanoTime() - t) / 1e9);

        try (Node node = Node.start(config, data, log)) {
            System.out.println("JVM options: " + node.jvmOptions());
            node.get(DASHBOARD[0], "application/json");
            Samples idle = new Samples();
            for (int s = 0; s < 5; s++) {
                idle.add(node.rss(), node.heapUsed());
                Thread.sleep(1000);
            }
            System.out.printf("baseline, idle after start and first answer: RSS %s, heap used %s%n", idle.rssSummary(), idle.heapSummary());

            Soak soak = new Soak(node, clients);
            Samples busy = soak.run(seconds);
            System.out.printf("under the soak (%d clients, %d s):          RSS %s, heap used %s; analyst workers' RSS max %.0f MB%n",
                    clients, seconds, busy.rssSummary(), busy.heapSummary(), soak.workersMax / 1e6);
            soak.print(seconds);

            Samples after = new Samples();
            for (int s = 0; s < 5; s++) {
                Thread.sleep(1000);
                after.add(node.rss(), node.heapUsed());
            }
            System.out.printf("after the soak, idle again:                    RSS %s, heap used %s%n", after.rssSummary(), after.heapSummary());
            System.out.printf("RSS under the soak ÷ idle: %.2f (median), %.2f (max)%n", busy.rssMedian() / idle.rssMedian(),
                    busy.rssMax() / idle.rssMedian());

            long counted = node.persons2016();
            System.out.printf("records acknowledged %,d, counted by the node %,d, re-sent batches %,d (acknowledged as duplicates %,d): %s%n",
                    soak.accepted.get(), counted, soak.resent.get(), soak.duplicates.get(),
                    counted == soak.accepted.get() && soak.duplicates.get() == soak.resent.get() * Soak.BATCH ? "every record counted once" : "MISMATCH");
            if (counted != soak.accepted.get() || soak.failures.containsKey("write (100 records)")) {
                throw new IllegalStateException("the soak lost or double-counted records, or writes failed: see " + log);
            }
        }
        System.out.println("load average after: " + SqlSandboxBench.loadAverage());
    }

    private static Path copyConfig(Path from, Path to, int snapshotMaxAge) throws IOException {
        TestNode.copy(from, to);
        Path yaml = to.resolve("tonle.yaml");
        String text = Files.readString(yaml);
        if (!text.contains("snapshot_max_age_seconds: 0")) {
            throw new IllegalStateException("config/tonle.yaml has no 'snapshot_max_age_seconds: 0' to change");
        }
        Files.writeString(yaml, text.replace("snapshot_max_age_seconds: 0", "snapshot_max_age_seconds: " + snapshotMaxAge));
        return to;
    }

    /** The clients: writers, dashboards, reports, analysts. */
    private static final class Soak {
        static final int BATCH = 100;
        final Node node;
        final int clients;
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong resent = new AtomicLong();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();
        final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
        volatile double workersMax;

        Soak(Node node, int clients) {
            this.node = node;
            this.clients = clients;
        }

        Samples run(int seconds) throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int slot = i % 8;
                Runnable work = slot < 4 ? () -> write(end) : slot < 6 ? () -> read(end, "dashboard") : slot == 6 ? () -> read(end, "report") : () -> read(end, "sql");
                Thread thread = new Thread(work, "soak-" + i);
                thread.start();
                threads.add(thread);
            }
            Samples samples = new Samples();
            int tick = 0;
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                samples.add(node.rss(), ++tick % 5 == 0 ? node.heapUsed() : -1);
                workersMax = Math.max(workersMax, node.workersRss());
            }
            for (Thread thread : threads) {
                thread.join();
            }
            return samples;
        }

        private void write(long end) {
            try {
                String previous = null;
                while (System.nanoTime() < end) {
                    boolean again = previous != null && ThreadLocalRandom.current().nextInt(10) == 0;
                    String batch = again ? previous : batch();
                    long t = System.nanoTime();
                    JsonNode answer = Json.MAPPER.readTree(node.post("/api/v1/activities", "application/x-ndjson", batch));
                    record("write (100 records)", t);
                    accepted.addAndGet(answer.path("accepted").asLong());
                    duplicates.addAndGet(answer.path("duplicates").asLong());
                    if (again) {
                        resent.incrementAndGet();
                    }
                    previous = batch;
                }
            } catch (Exception e) {
                fail("write (100 records)", e);
            }
        }

        private void read(long end, String kind) {
            try {
                int n = ThreadLocalRandom.current().nextInt(100);
                while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    switch (kind) {
                        case "dashboard" -> node.get(DASHBOARD[n % DASHBOARD.length], "application/json");
                        case "report" -> node.get("/api/v1/reports/monthly/2015-08", n % 2 == 0 ? "text/html" : "application/pdf");
                        default -> node.post("/api/v1/sql", "application/json",
                                Json.MAPPER.writeValueAsString(Map.of("sql", ANALYST[n % ANALYST.length])));
                    }
                    record(kind, t);
                    n++;
                }
            } catch (Exception e) {
                fail(kind, e);
            }
        }

        /** A failed request ends its client (the figures then show how many kept going). */
        private void fail(String kind, Exception e) {
            failures.merge(kind, 1, Integer::sum);
            System.out.println("  a " + kind + " client stopped: " + e);
        }

        private void record(String kind, long start) {
            long micros = (System.nanoTime() - start) / 1000;
            latencies.computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>())).add(micros);
        }

        void print(int seconds) {
            for (Map.Entry<String, List<Long>> e : latencies.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                List<Long> sorted;
                synchronized (e.getValue()) {
                    sorted = new ArrayList<>(e.getValue());
                }
                sorted.sort(null);
                System.out.printf(Locale.ROOT, "  %-20s %6d requests (%6.1f/s)  p50 %8.1f ms  p99 %8.1f ms%n", e.getKey(), sorted.size(),
                        sorted.size() / (double) seconds, sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() * 99 / 100) / 1000.0);
            }
            System.out.printf("  records written %,d (%,.0f/s), failed requests %s%n", accepted.get(), accepted.get() / (double) seconds,
                    failures.isEmpty() ? "none" : failures);
        }

        private static String batch() {
            StringBuilder lines = new StringBuilder(BATCH * 230);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String[] offices = {"PNH", "SRP", "SHV"};
            String[] sexes = {"F", "M", "X", "U"};
            for (int i = 0; i < BATCH; i++) {
                lines.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"")
                        .append(offices[random.nextInt(3)]).append("\",\"date\":\"2016-").append(String.format("%02d", 1 + random.nextInt(12)))
                        .append("-1").append(random.nextInt(10)).append("\",\"subject\":{\"ref\":\"SOAK-").append(UUID.randomUUID())
                        .append("\",\"role\":\"client\",\"sex\":\"").append(sexes[random.nextInt(4)]).append("\",\"age\":")
                        .append(random.nextInt(18)).append("},\"attributes\":{\"setting\":\"office\"}}\n");
            }
            return lines.toString();
        }
    }

    /** Resident set and heap samples, in bytes; a heap of -1 was not sampled. */
    private static final class Samples {
        final List<Double> rss = new ArrayList<>();
        final List<Double> heap = new ArrayList<>();

        void add(double rssBytes, double heapBytes) {
            rss.add(rssBytes);
            if (heapBytes >= 0) {
                heap.add(heapBytes);
            }
        }

        double rssMedian() {
            return median(rss);
        }

        double rssMax() {
            return rss.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }

        String rssSummary() {
            return summary(rss);
        }

        String heapSummary() {
            return summary(heap);
        }

        private static String summary(List<Double> values) {
            if (values.isEmpty()) {
                return "-";
            }
            return String.format(Locale.ROOT, "median %.0f MB, max %.0f MB", median(values) / 1e6,
                    values.stream().mapToDouble(Double::doubleValue).max().orElse(0) / 1e6);
        }

        private static double median(List<Double> values) {
            List<Double> sorted = new ArrayList<>(values);
            sorted.sort(null);
            return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
        }
    }

    /** The node as {@code bin/tonle serve} runs it, as a child process; closing it stops it cleanly. */
    private static final class Node implements AutoCloseable {
        final ChildNode child;
        final Process process;
        final String url;

        private Node(ChildNode child) {
            this.child = child;
            this.process = child.process;
            this.url = child.url;
        }

        static Node start(Path config, Path data, Path log) throws Exception {
            return new Node(ChildNode.start(ChildNode.script(), config, data, log, Map.of("TONLE_ADMIN_TOKEN", TOKEN, "TONLE_SKIP_BUILD", "1"),
                    Duration.ofMinutes(10)));
        }

        String get(String path, String accept) throws Exception {
            return check(HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + TOKEN)
                    .header("Accept", accept).timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString()));
        }

        String post(String path, String type, String body) throws Exception {
            return check(HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", type).header("Accept", "application/json").timeout(Duration.ofMinutes(2))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }

        private static String check(HttpResponse<String> answer) {
            if (answer.statusCode() != 200) {
                throw new IllegalStateException(answer.request().uri() + ": status " + answer.statusCode() + ": " + answer.body());
            }
            return answer.body();
        }

        /** Distinct persons of 2016: every soak record is a new person, so this counts the soak's records. */
        long persons2016() throws Exception {
            JsonNode rows = Json.MAPPER.readTree(get("/api/v1/indicators/social.clients_met/values?period=2016", "application/json")).path("rows");
            return rows.isEmpty() ? 0 : rows.get(0).path("value").asLong();
        }

        double rss() throws IOException {
            return rss(process.pid());
        }

        /** The analyst workers (child processes of the node) together. */
        double workersRss() {
            return ProcessHandle.of(process.pid()).map(h -> h.descendants().mapToDouble(d -> {
                try {
                    return rss(d.pid());
                } catch (IOException gone) {
                    return 0;
                }
            }).sum()).orElse(0.0);
        }

        private static double rss(long pid) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return 0;
        }

        double heapUsed() throws Exception {
            Matcher m = HEAP_USED.matcher(get("/metrics", "text/plain"));
            double sum = 0;
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
            return sum;
        }

        /** The JVM's command line up to {@code -jar}, with the options of an argument file (config/jvm.options) in its place. */
        String jvmOptions() throws IOException {
            List<String> options = new ArrayList<>();
            for (String arg : Files.readString(Path.of("/proc/" + process.pid() + "/cmdline")).split("\0")) {
                if (arg.equals("-jar")) {
                    break;
                }
                if (arg.startsWith("@")) {
                    options.addAll(TestNode.argumentFile(Path.of(arg.substring(1))));
                } else {
                    options.add(arg);
                }
            }
            return String.join(" ", options);
        }

        @Override
        public void close() throws InterruptedException {
            child.close();
        }
    }
}

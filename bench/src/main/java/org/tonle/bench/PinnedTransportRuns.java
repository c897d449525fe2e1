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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.tonle.core.Json;
import org.tonle.host.ChildNode;
import org.tonle.host.KafkaBroker;
import org.tonle.host.TestNode;

/**
 * TransportBench's runs as deployed: every node a process of its own on a CPU of its own
 * ({@code taskset}), so that office and headquarters each have what the single node has.
 * On two CPUs:
 * <ul>
 * <li>baseline: the single node on CPU 0, with the clients (this JVM) beside it;</li>
 * <li>end to end: the office on CPU 0 with the same clients beside it, headquarters on CPU 1
 *     with the Kafka broker beside it (a third machine for the broker does not exist here; at
 *     headquarters' side it takes CPU from headquarters, not from the office, so the figure is
 *     a lower bound of what headquarters on a machine of its own would do).</li>
 * </ul>
 * Each run prints the CPU time of every process, so the share of each (the broker's and the
 * clients' included) is visible. The nodes run as {@code bin/tonle} runs them (config/jvm.options),
 * from the packaged jar. The single node's and the office's timed runs alternate, a round at a
 * time ({@code TONLE_BENCH_PINNED_ROUNDS}, default 3), and the ratio is the rounds' median.
 */
final class PinnedTransportRuns {

    /** The node's JVM options, as bin/tonle gives them (config/jvm.options, an argument file of java's). */
    private static final List<String> JVM = List.of("@" + TestNode.repository().resolve("config/jvm.options"));
    private static final Duration START = Duration.ofMinutes(3);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String CLIENTS_CPU = "0";
    private static final String OFFICE_CPU = "0";
    private static final String HQ_CPU = "1";
    private static final int THREADS_SHOWN = 8;

    private PinnedTransportRuns() {
    }

    static void run(Path root, Path key, int records, int batch, int clients, double unpinned) throws Exception {
        // The clients are this JVM's threads: every thread it has now, and those they start, on CPU 0.
        pin(ProcessHandle.current().pid(), CLIENTS_CPU);
        int rounds = Integer.parseInt(System.getenv().getOrDefault("TONLE_BENCH_PINNED_ROUNDS", "3"));
        System.out.printf("%npinned, every node a process of its own (taskset): single node and office on CPU %s with the clients,"
                + " headquarters on CPU %s with the broker; %d rounds, each a single node's run and an office's, one after the other%n",
                OFFICE_CPU, HQ_CPU, rounds);
        double[] ratios = new double[rounds];
        try (KafkaBroker broker = TransportBench.broker(root.resolve("pinned-kafka"))) {
            pin(broker.pid(), HQ_CPU);
            Path singleConfig = TransportBench.configure(root, "pinned-single", "single", null, key, null, null);
            Path officeConfig = TransportBench.configure(root, "pinned-office", "office", broker, key, "office-pnh", TransportBench.pnhPassword());
            Path hqConfig = TransportBench.configure(root, "pinned-hq", "headquarters", broker, key, "headquarters", TransportBench.hqPassword());
            try (ChildNode single = start(root, "pinned-single", singleConfig, OFFICE_CPU, List.of());
                 ChildNode office = start(root, "pinned-office", officeConfig, OFFICE_CPU, List.of("--office", "PNH"));
                 ChildNode hq = start(root, "pinned-hq", hqConfig, HQ_CPU, List.of())) {
                TransportBench.postAll(ndjson -> post(single, ndjson), 500 + records, batch, clients);
                TransportBench.postAll(ndjson -> post(office, ndjson), 500 + records, batch, clients);
                long forwarded = 500L + records;
                awaitLoaded(hq, forwarded);
                // The two runs of a round follow each other within seconds, and the order turns each
                // round: this machine's speed moves by a factor of two from one minute to the next,
                // which a single run of each, a minute apart, took for the ratio (docs/PERFORMANCE.md).
                for (int round = 1; round <= rounds; round++) {
                    double singleRate;
                    double officeRate;
                    if (round % 2 == 1) {
                        singleRate = single(single, round, records, batch, clients);
                        officeRate = endToEnd(office, hq, broker, forwarded += records, round, records, batch, clients);
                    } else {
                        officeRate = endToEnd(office, hq, broker, forwarded += records, round, records, batch, clients);
                        singleRate = single(single, round, records, batch, clients);
                    }
                    ratios[round - 1] = officeRate / singleRate;
                }
            }
        }
        System.out.printf("%nratio office -> headquarters to single-node HTTP ingest (target >= 0.80): unpinned, all on 2 shared CPUs %.2f;"
                + " pinned, each node on a CPU of its own %.2f (median of the rounds: %s)%n", unpinned, median(ratios),
                Arrays.stream(ratios).mapToObj(r -> String.format("%.2f", r)).toList());
    }

    /** One timed run of the single node: records/s, until the last answer (each answered once committed). */
    private static double single(ChildNode node, int round, int records, int batch, int clients) {
        long cpu0 = cpu(node);
        ThreadCpu threads0 = ThreadCpu.of(node.process.pid());
        long clients0 = TransportBench.processCpu();
        double[] busy0 = busy();
        long t0 = System.nanoTime();
        TransportBench.postAll(ndjson -> post(node, ndjson), records, batch, clients);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] busy1 = busy();
        double nodeCpu = (cpu(node) - cpu0) / 1e9;
        double clientCpu = (TransportBench.processCpu() - clients0) / 1e9;
        double rate = records / seconds;
        // A single node answers a request once its warehouse committed the records (group commit).
        System.out.printf("%-38s %9.0f records/s (%d in %.1f s, all committed when answered)%n", "round " + round + ": single node (CPU 0)",
                rate, records, seconds);
        System.out.printf("  CPU: node %.1f s (%.0f µs per record), clients %.1f s: %.0f%% of CPU 0; other processes on the machine:"
                        + " %.1f s on CPU 0, %.1f s on CPU 1%n", nodeCpu, nodeCpu * 1e6 / records, clientCpu,
                100 * (nodeCpu + clientCpu) / seconds, busy1[0] - busy0[0] - nodeCpu - clientCpu, busy1[1] - busy0[1]);
        System.out.printf("  node's threads, µs a record: %s%n", ThreadCpu.of(node.process.pid()).busiestSince(threads0, records, THREADS_SHOWN));
        return rate;
    }

    /** One timed run of office to headquarters: records/s, until headquarters has loaded {@code forwarded} records in all. */
    private static double endToEnd(ChildNode office, ChildNode hq, KafkaBroker broker, long forwarded, int round, int records, int batch,
                                   int clients) throws Exception {
        long office0 = cpu(office);
        long hq0 = cpu(hq);
        ThreadCpu officeThreads0 = ThreadCpu.of(office.process.pid());
        ThreadCpu hqThreads0 = ThreadCpu.of(hq.process.pid());
        long broker0 = broker.cpu().toNanos();
        long clients0 = TransportBench.processCpu();
        double[] busy0 = busy();
        long t0 = System.nanoTime();
        long tableReads0 = tableReads(office);
        TransportBench.postAll(ndjson -> post(office, ndjson), records, batch, clients);
        double answered = (System.nanoTime() - t0) / 1e9;
        long officeDone = cpu(office);
        // Where the tail (the office's last answer to headquarters' last commit) waits: in the
        // office's outbox (the forwarder behind), or between Kafka and headquarters' warehouse.
        long waiting = status(office).path("transport").path("outbox").path("depth").asLong();
        long left = forwarded - loaded(hq);
        awaitLoaded(hq, forwarded);
        ThreadCpu officeThreads = ThreadCpu.of(office.process.pid());
        ThreadCpu hqThreads = ThreadCpu.of(hq.process.pid());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] busy1 = busy();
        double officeCpu = (cpu(office) - office0) / 1e9;
        double hqCpu = (cpu(hq) - hq0) / 1e9;
        double brokerCpu = (broker.cpu().toNanos() - broker0) / 1e9;
        double clientCpu = (TransportBench.processCpu() - clients0) / 1e9;
        double rate = records / seconds;
        System.out.printf("%-38s %9.0f records/s (%d in %.1f s; the office answered all after %.1f s, %.0f records/s)%n",
                "round " + round + ": office (0) -> Kafka -> hq (1)", rate, records, seconds, answered, records / answered);
        System.out.printf("  CPU: office %.1f s (%.0f µs per record; %.1f s of it until it answered), clients %.1f s;"
                        + " headquarters %.1f s (%.0f µs per record), broker %.1f s (%.0f µs per record, %.0f%% of CPU 1's busy time)%n",
                officeCpu, officeCpu * 1e6 / records, (officeDone - office0) / 1e9, clientCpu, hqCpu, hqCpu * 1e6 / records,
                brokerCpu, brokerCpu * 1e6 / records, 100 * brokerCpu / Math.max(1e-9, hqCpu + brokerCpu));
        System.out.printf("  busy: CPU 0 (office, clients) %.0f%%, CPU 1 (headquarters, broker) %.0f%% of the %.1f s;"
                        + " other processes on the machine: %.1f s on CPU 0, %.1f s on CPU 1%n",
                100 * (officeCpu + clientCpu) / seconds, 100 * (hqCpu + brokerCpu) / seconds, seconds,
                busy1[0] - busy0[0] - officeCpu - clientCpu, busy1[1] - busy0[1] - hqCpu - brokerCpu);
        System.out.printf("  at the office's last answer: %d changes waited in its outbox, headquarters had %d records left to load;"
                + " the forwarder read the outbox table %d times during the run%n", waiting, left, tableReads(office) - tableReads0);
        System.out.printf("  office's threads, µs a record: %s%n", officeThreads.busiestSince(officeThreads0, records, THREADS_SHOWN));
        System.out.printf("  headquarters' threads, µs a record: %s%n", hqThreads.busiestSince(hqThreads0, records, THREADS_SHOWN));
        return rate;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static ChildNode start(Path root, String name, Path config, String cpus, List<String> options) throws Exception {
        // TONLE_BENCH_NODE_OPTS: further options of the nodes' JVMs, e.g. a flight recording
        // (-XX:StartFlightRecording:filename=/tmp/%p.jfr), where "NAME" becomes the node's name.
        List<String> jvm = new ArrayList<>(JVM);
        String more = System.getenv().getOrDefault("TONLE_BENCH_NODE_OPTS", "");
        if (!more.isBlank()) {
            jvm.addAll(Arrays.asList(more.strip().replace("NAME", name).split("\\s+")));
        }
        return ChildNode.start(ChildNode.pinned(cpus, ChildNode.jar(jvm)), config, root.resolve(name).resolve("data"),
                root.resolve(name).resolve("node.log"), Map.of("TONLE_ADMIN_TOKEN", TestNode.ADMIN_TOKEN), START, options);
    }

    /** {@code taskset -a -p -c cpus pid}: every thread of the process, and the threads they start, on these CPUs. */
    private static void pin(long pid, String cpus) throws IOException, InterruptedException {
        Process taskset = new ProcessBuilder("/usr/bin/taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (taskset.waitFor() != 0) {
            throw new IllegalStateException("taskset could not pin process " + pid + " to CPU " + cpus);
        }
    }

    /**
     * Busy time of each CPU so far, every process's (from {@code /proc/stat}, in seconds): what
     * other builds on the machine took from the pinned processes shows as the difference.
     */
    static double[] busy() {
        double[] busy = new double[2];
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                String[] f = line.split("\\s+");
                if (f[0].equals("cpu0") || f[0].equals("cpu1")) {
                    long ticks = 0;
                    for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system irq softirq steal
                        ticks += Long.parseLong(f[i]);
                    }
                    busy[f[0].charAt(3) - '0'] = ticks / 100.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return busy;
    }

    private static long cpu(ChildNode node) {
        return node.process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time of the node")).toNanos();
    }

    private static void post(ChildNode node, String ndjson) {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(node.url + "/api/v1/activities"))
                    .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Content-Type", "application/x-ndjson")
                    .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200 || !Json.MAPPER.readTree(answer.body()).path("rejected").isEmpty()) {
                throw new IllegalStateException("the node refused records: " + answer.statusCode() + " " + answer.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Polls headquarters' {@code /api/v1/status} every 10 ms until it has loaded this many records
     * (counted once the warehouse committed them).
     */
    private static void awaitLoaded(ChildNode hq, long count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (loaded(hq) < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("headquarters did not load " + count + " records in 10 minutes");
            }
            Thread.sleep(10);
        }
    }

    private static long loaded(ChildNode hq) throws Exception {
        long loaded = 0;
        for (JsonNode office : status(hq).path("transport").path("offices")) {
            loaded += office.path("loaded").asLong();
        }
        return loaded;
    }

    private static JsonNode status(ChildNode node) throws Exception {
        return Json.MAPPER.readTree(get(node, "/api/v1/status"));
    }

    /** The office's reads of its outbox table (the forwarder behind its in-memory queue), from its metrics. */
    private static long tableReads(ChildNode office) throws Exception {
        return get(office, "/metrics").lines().filter(line -> line.startsWith("tonle_outbox_table_reads_total"))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static String get(ChildNode node, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node.url + path)).header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}

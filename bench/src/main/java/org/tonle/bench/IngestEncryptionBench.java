package org.tonle.bench;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.sun.management.OperatingSystemMXBean;

import org.tonle.host.Node;
import org.tonle.pipelines.imports.ImportJob;
import org.tonle.pipelines.imports.Importer;
import org.tonle.pipelines.imports.NdjsonSource;

/**
 * {@code bin/bench ingest-encryption [RECORDS] [HTTP_RECORDS] [CLIENTS] [ROUNDS]}: what encrypting
 * the warehouse at rest (warehouse.encryption) costs {@code bin/bench ingest}'s two paths, in one
 * run: a node on a plain warehouse and one on an encrypted warehouse, alternately (plain,
 * encrypted, plain, ... for ROUNDS pairs, default 2), each fresh, each taking RECORDS (default
 * 500 000) records through the bulk path and then HTTP_RECORDS (default 100 000) new records
 * in batches of 500 from CLIENTS (default 8) threads after a warm-up, each phase ending with a
 * CHECKPOINT. The medians per mode are the figures; the load average is printed around each.
 */
public final class IngestEncryptionBench {

    private static final int HTTP_WARM_UP = 50_000;

    private IngestEncryptionBench() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int httpRecords = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path root = Files.createTempDirectory("tonle-bench-encryption");
        System.out.printf("Tonle ingest, plain vs encrypted warehouse: %,d bulk + %,d HTTP records (%d clients), %d rounds, %d cores, %s%n",
                records, httpRecords, clients, rounds, Runtime.getRuntime().availableProcessors(), root);
        Path repository = Path.of("").toAbsolutePath();
        Path plainConfig = repository.resolve("config");
        Path encryptedConfig = encryptedConfig(repository.resolve("config"), root.resolve("config-encrypted"));
        byte[] ndjson = IngestBenchmark.ndjson(0, records);
        List<Double> plainBulk = new ArrayList<>();
        List<Double> encryptedBulk = new ArrayList<>();
        List<Double> plainHttp = new ArrayList<>();
        List<Double> encryptedHttp = new ArrayList<>();
        List<Double> plainCpu = new ArrayList<>();
        List<Double> encryptedCpu = new ArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                for (boolean encrypted : new boolean[] {false, true}) {
                    Path data = root.resolve("data-" + round + (encrypted ? "-encrypted" : "-plain"));
                    double[] rates = run(encrypted ? encryptedConfig : plainConfig, data, repository, ndjson, records, httpRecords, clients);
                    (encrypted ? encryptedBulk : plainBulk).add(rates[0]);
                    (encrypted ? encryptedHttp : plainHttp).add(rates[1]);
                    (encrypted ? encryptedCpu : plainCpu).add(rates[2]);
                    System.out.printf("round %d %-9s bulk %,8.0f records/s (%.1f µs CPU a record), http %,8.0f records/s, warehouse %,d bytes,"
                                    + " load average %.2f%n", round + 1, encrypted ? "encrypted" : "plain", rates[0], rates[2], rates[1],
                            Files.size(data.resolve("tonle.duckdb")), load());
                    Scratch.delete(data);
                }
            }
            System.out.printf("median    bulk: plain %,8.0f, encrypted %,8.0f records/s (%+.0f %%)%n", median(plainBulk), median(encryptedBulk),
                    100 * (median(encryptedBulk) / median(plainBulk) - 1));
            System.out.printf("median    bulk CPU: plain %.1f, encrypted %.1f µs a record (%+.0f %%)%n", median(plainCpu), median(encryptedCpu),
                    100 * (median(encryptedCpu) / median(plainCpu) - 1));
            System.out.printf("median    http: plain %,8.0f, encrypted %,8.0f records/s (%+.0f %%)%n", median(plainHttp), median(encryptedHttp),
                    100 * (median(encryptedHttp) / median(plainHttp) - 1));
        } finally {
            Scratch.delete(root);
        }
    }

    /** One fresh node: the bulk rate, then the HTTP rate after a warm-up. */
    private static double[] run(Path config, Path data, Path repository, byte[] ndjson, int records, int httpRecords, int clients)
            throws Exception {
        try (Node node = Node.start(new Node.Options(config, data, "127.0.0.1", 0, 0, null, repository.resolve("host/target/bundles"),
                "bench-token"));
             Importer importer = new Importer(node.ingest(), node.config().settings().ingest().batchSize())) {
            long cpu = cpuNanos();
            long started = System.nanoTime();
            ImportJob job = importer.run(new ImportJob("ndjson", "bench", "bench", (long) ndjson.length),
                    new NdjsonSource(new ByteArrayInputStream(ndjson), Map.of()), "bench", null);
            node.warehouse().checkpoint();
            double bulk = records / ((System.nanoTime() - started) / 1e9);
            double bulkCpu = (cpuNanos() - cpu) / 1e3 / records;
            if (job.view().accepted() != records) {
                throw new IllegalStateException("the pipeline did not accept every record: " + job.view());
            }
            IngestBenchmark.warmUpHttp(node, records, HTTP_WARM_UP);
            double http = IngestBenchmark.http(node, httpRecords, records + HTTP_WARM_UP, clients);
            return new double[] {bulk, http, bulkCpu};
        }
    }

    /** The repository's configuration with warehouse.encryption on (its key beside the data folders). */
    private static Path encryptedConfig(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path yaml = to.resolve("tonle.yaml");
        String text = Files.readString(yaml);
        String off = "  encryption:\n    enabled: false\n    key_file: \"\"";
        if (!text.contains(off)) {
            throw new IllegalStateException("config/tonle.yaml no longer has the warehouse.encryption block this bench switches on");
        }
        // httpfs (OpenSSL) is not installed on the build machines: DuckDB's built-in module writes.
        Files.writeString(yaml, text.replace(off, "  encryption:\n    enabled: true\n    key_file: ../warehouse-key")
                .replace("builtin_crypto: false", "builtin_crypto: true"));
        return to;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** CPU time of the whole process (pipeline, DuckDB's threads, JIT, GC): less swayed by other builds than the clock. */
    private static long cpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}

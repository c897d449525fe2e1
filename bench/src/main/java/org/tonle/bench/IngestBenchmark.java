package org.tonle.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import com.sun.management.OperatingSystemMXBean;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.tonle.core.config.Settings;
import org.tonle.host.Node;
import org.tonle.pipelines.GroupCommitWriter;
import org.tonle.pipelines.imports.ImportJob;
import org.tonle.pipelines.imports.Importer;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.warehouse.Transaction;
import org.tonle.warehouse.Warehouse;

/**
 * {@code bin/bench ingest [RECORDS] [HTTP_RECORDS] [CLIENTS] [WARM_UP] [PAIRS]}: the bulk path
 * against the raw DuckDB Appender, and HTTP ingest in batches of 500 on loopback, in one run.
 * WARM_UP (default 200 k; 0 for none, as before) records go through a throwaway node first.
 * PAIRS (default 1) pipeline-then-baseline pairs, each on a fresh node, print each pair's ratio
 * and their median: on a machine whose speed drifts by tens of percent from one minute to the
 * next, a pair compares runs a minute apart, and the median is the figure to quote.
 * HTTP_RECORDS 0 skips the HTTP rounds; otherwise they run on the last pair's node, against the
 * median pipeline rate.
 *
 * <ol>
 * <li>Pipeline: RECORDS (default 1 M) NDJSON records through a real node's pipeline (parse,
 *     pseudonymise, validate, de-duplicate, load), as {@code bin/tonle import} sends them.</li>
 * <li>Baseline: the very rows the pipeline stored (versions, facts and tallies, read back
 *     into memory beforehand) appended with the raw DuckDB Appender into a fresh warehouse.</li>
 * <li>HTTP: HTTP_RECORDS (default 200 k) new records posted as NDJSON in batches of 500 to
 *     {@code POST /api/v1/activities}, three rounds for each number of client threads in
 *     CLIENTS (default 4,8,16,32), after an untimed warm-up; the median round is the figure.
 *     The clients are {@link LoopbackPosts} (kept-alive sockets, pre-built requests), so that the
 *     CPU the two cores give goes to the server; {@code -Dtonle.bench.client=jdk} posts with
 *     the JDK's HttpClient instead.</li>
 * </ol>
 * {@code -Dtonle.bench.inFlight=N} imports with N batches in flight instead of the node's
 * {@link Importer#IN_FLIGHT}.
 * Each timed phase ends with a CHECKPOINT, so it pays for folding its own rows into the
 * warehouse file, no more and no less (the WAL is folded only every 256MB otherwise).
 */
public final class IngestBenchmark {

    private static final String[] OFFICES = {"PNH", "SRP", "SHV"};
    private static final String[] SEXES = {"F", "M", "X", "U"};

    private static final int IN_FLIGHT = Integer.getInteger("tonle.bench.inFlight", Importer.IN_FLIGHT);

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int httpRecords = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int[] httpClients = Arrays.stream((args.length > 2 ? args[2] : "4,8,16,32").split(",")).mapToInt(Integer::parseInt).toArray();
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 200_000;
        int pairs = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        Path root = Files.createTempDirectory("tonle-bench-ingest");
        System.out.printf("Tonle ingest benchmark: %,d records, %d cores, %s%n", records, Runtime.getRuntime().availableProcessors(), root);

        byte[] ndjson = ndjson(0, records);
        System.out.printf("data: %,d bytes of NDJSON%n", ndjson.length);
        if (warmUp > 0) {
            warmUpImport(root.resolve("warm-up"), warmUp);
        }

        double[] pipelines = new double[pairs];
        double[] ratios = new double[pairs];
        try {
            for (int pair = 0; pair < pairs; pair++) {
                Path folder = root.resolve("pair-" + (pair + 1));
                try (Node node = node(folder)) {
                    pipelines[pair] = pipeline(node, ndjson, records);
                    double baseline = baseline(node, folder.resolve("baseline.duckdb"));
                    ratios[pair] = pipelines[pair] / baseline;
                    System.out.printf("ratio     pipeline/baseline:  %10.2f   (target >= 1.0)%n", ratios[pair]);
                    if (pair == pairs - 1 && httpRecords > 0) {
                        httpRounds(node, records, httpRecords, httpClients, median(pipelines));
                    }
                }
                Scratch.delete(folder);
            }
            if (pairs > 1) {
                System.out.printf("ratio     median of %d pairs:  %10.2f   (each pair: %s)%n", pairs, median(ratios),
                        Arrays.stream(ratios).mapToObj(r -> String.format("%.2f", r)).collect(Collectors.joining(" ")));
            }
        } finally {
            Scratch.delete(root);
        }
    }

    /** RECORDS through the pipeline of {@code node} as {@code bin/tonle import} sends them, CHECKPOINT included: records a second. */
    private static double pipeline(Node node, byte[] ndjson, int records) throws Exception {
        try (Importer importer = new Importer(node.ingest(), node.config().settings().ingest().batchSize(), IN_FLIGHT)) {
            GroupCommitWriter.Stats writerBefore = node.ingest().writerStats();
            long cpu = processCpuNanos();
            long started = System.nanoTime();
            ImportJob job = importer.run(new ImportJob("ndjson", "bench", "bench", (long) ndjson.length),
                    new NdjsonSource(new ByteArrayInputStream(ndjson), Map.of()), "bench", null);
            long imported = System.nanoTime();
            node.warehouse().checkpoint();
            double seconds = (System.nanoTime() - started) / 1e9;
            double checkpointSeconds = (System.nanoTime() - imported) / 1e9;
            ImportJob.View view = job.view();
            if (view.accepted() != records) {
                throw new IllegalStateException("the pipeline did not accept every record: " + view);
            }
            double pipeline = records / seconds;
            double pipelineCpu = (processCpuNanos() - cpu) / 1e3 / records;
            GroupCommitWriter.Stats writerAfter = node.ingest().writerStats();
            System.out.printf("pipeline  parse..load:        %,10.0f records/s  (%.1f s, CHECKPOINT %.1f s of it; %.1f µs CPU a record, all threads;"
                            + " writer busy %.0f %%, %.1f µs a record, %.1f µs of its CPU)%n", pipeline, seconds, checkpointSeconds, pipelineCpu,
                    100.0 * (writerAfter.busyNanos() - writerBefore.busyNanos()) / (seconds * 1e9),
                    (writerAfter.busyNanos() - writerBefore.busyNanos()) / 1e3 / records,
                    (writerAfter.busyCpuNanos() - writerBefore.busyCpuNanos()) / 1e3 / records);
            return pipeline;
        }
    }

    /** The HTTP rounds on a node already holding {@code stored} records, each figure against {@code pipeline}. */
    private static void httpRounds(Node node, int stored, int httpRecords, int[] httpClients, double pipeline) throws Exception {
        int offset = stored;
        warmUpHttp(node, offset);
        offset += HTTP_WARM_UP;
        for (int clients : httpClients) {
            double[] rates = new double[HTTP_ROUNDS];
            for (int round = 0; round < HTTP_ROUNDS; round++) {
                rates[round] = http(node, httpRecords, offset, clients);
                offset += httpRecords;
            }
            System.out.printf("http      batches of 500, %2d clients: %,10.0f records/s  (median of %d rounds; %.2f of the pipeline,"
                    + " target >= 0.8 with 4 clients)%n", clients, median(rates), HTTP_ROUNDS, median(rates) / pipeline);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Untimed: {@code records} through the pipeline of a throwaway node in this JVM, so that the
     * timed import does not pay for the JIT compiling the pipeline's code (Jackson, Camel,
     * validation, the Appender) while the baseline, which runs after it, finds the Appender's
     * code compiled. The HTTP rounds have their own warm-up for the same reason.
     */
    private static void warmUpImport(Path root, int records) throws Exception {
        byte[] ndjson = ndjson(0, records);
        long started = System.nanoTime();
        try (Node node = node(root);
             Importer importer = new Importer(node.ingest(), node.config().settings().ingest().batchSize(), IN_FLIGHT)) {
            importer.run(new ImportJob("ndjson", "bench", "bench", (long) ndjson.length),
                    new NdjsonSource(new ByteArrayInputStream(ndjson), Map.of()), "bench", null);
        }
        System.out.printf("warm-up   %,d records imported into a throwaway node (untimed, %.1f s)%n", records,
                (System.nanoTime() - started) / 1e9);
        System.gc();
    }

    /**
     * A node of the repository's config (or the folder {@code -Dtonle.bench.config} names, e.g. a
     * copy with another {@code warehouse.threads}) and bundles, its data in {@code root}/data, on
     * free loopback ports.
     */
    static Node node(Path root) {
        Path repository = Path.of("").toAbsolutePath();
        Path config = Path.of(System.getProperty("tonle.bench.config", repository.resolve("config").toString())).toAbsolutePath();
        return Node.start(new Node.Options(config, root.resolve("data"), "127.0.0.1", 0, 0, null,
                repository.resolve("host/target/bundles"), "bench-token"));
    }

    /** The rows the pipeline stored, read back in record order, to be appended again by the baseline. */
    record StoredRows(List<Object[]> versions, List<Object[]> facts, Map<UUID, List<Object[]>> tallies) {

        static StoredRows read(Warehouse warehouse) throws Exception {
            try (DuckDBConnection c = warehouse.connect(); var s = c.createStatement()) {
                return new StoredRows(rows(s, "SELECT * FROM record_version ORDER BY record_id"),
                        rows(s, "SELECT * FROM fact_activity ORDER BY record_id"),
                        rows(s, "SELECT * FROM fact_participants").stream()
                                .collect(Collectors.groupingBy(r -> (UUID) r[0])));
            }
        }

        private static List<Object[]> rows(Statement s, String sql) throws Exception {
            List<Object[]> rows = new ArrayList<>();
            try (var rs = s.executeQuery(sql)) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Object[] row = new Object[columns];
                    for (int i = 0; i < columns; i++) {
                        row[i] = rs.getObject(i + 1);
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /**
     * The rows the pipeline wrote (versions, facts and tallies, values in memory beforehand),
     * appended with nothing in between into a fresh warehouse, in transactions of the
     * pipeline's batch size: what loading costs the warehouse itself.
     */
    static double baseline(Node node, Path file) throws Exception {
        StoredRows stored = StoredRows.read(node.warehouse());
        System.gc();
        long cpu = processCpuNanos();
        Settings.Warehouse settings = node.config().settings().warehouse();
        double baseline = baseline(file, stored, node.config().settings().ingest().batchSize(), settings);
        System.out.printf("baseline  raw Appender:       %,10.0f records/s  (the same %,d versions, %,d facts, %,d tallies;"
                        + " %.1f µs CPU a record; DuckDB threads %s as the node's warehouse.threads)%n", baseline, stored.versions().size(),
                stored.facts().size(), stored.tallies().size(), (processCpuNanos() - cpu) / 1e3 / stored.versions().size(),
                settings.threads() == 0 ? "one per core" : settings.threads());
        return baseline;
    }

    static double baseline(Path file, StoredRows stored, int batchSize) throws Exception {
        return baseline(file, stored, batchSize, new Settings.Warehouse(null));
    }

    /** The baseline in a warehouse with the node's {@code warehouse} settings (its DuckDB threads), like for like. */
    static double baseline(Path file, StoredRows stored, int batchSize, Settings.Warehouse settings) throws Exception {
        List<Object[]> versions = stored.versions();
        List<Object[]> facts = stored.facts();
        if (facts.size() != versions.size()) {
            throw new IllegalStateException("expected one version and one fact per record");
        }
        try (Warehouse warehouse = Warehouse.open(file, settings, new Settings.Sql(0), null); DuckDBConnection c = warehouse.connect()) {
            long started = System.nanoTime();
            for (int from = 0; from < versions.size(); from += batchSize) {
                int to = Math.min(versions.size(), from + batchSize);
                try (Transaction tx = Transaction.begin(c)) {
                    try (DuckDBAppender v = c.createAppender("record_version");
                         DuckDBAppender f = c.createAppender("fact_activity");
                         DuckDBAppender t = c.createAppender("fact_participants")) {
                        for (int i = from; i < to; i++) {
                            Object[] r = versions.get(i);
                            v.beginRow().append((UUID) r[0]).append((Integer) r[1]).append((String) r[2]).append((String) r[3])
                                    .append((String) r[4]).append((OffsetDateTime) r[5]).append((String) r[6]).append((String) r[7]).endRow();
                            Object[] a = facts.get(i);
                            f.beginRow().append((UUID) a[0]).append((String) a[1]).append((String) a[2]).append((String) a[3])
                                    .append((LocalDate) a[4]);
                            if (a[5] == null) {
                                f.appendNull().appendNull().appendNull().appendNull().appendNull();
                            } else {
                                f.append((UUID) a[5]).append((String) a[6]).append((String) a[7]).append((Short) a[8]).append((String) a[9]);
                            }
                            f.append((Integer) a[10]).append((String) a[11]).endRow();
                            for (Object[] p : stored.tallies().getOrDefault((UUID) a[0], List.of())) {
                                t.beginRow().append((UUID) p[0]).append((String) p[1]).append((String) p[2]).append((String) p[3])
                                        .append((LocalDate) p[4]).append((String) p[5]).append((String) p[6]).append((Integer) p[7]).endRow();
                            }
                        }
                    }
                    tx.commit();
                }
            }
            long appended = System.nanoTime();
            warehouse.checkpoint();
            System.out.printf("          baseline's CHECKPOINT %.1f s of %.1f s%n", (System.nanoTime() - appended) / 1e9,
                    (System.nanoTime() - started) / 1e9);
            return versions.size() / ((System.nanoTime() - started) / 1e9);
        }
    }

    /** One round: the rate of posting {@code records} new records from {@code clients} threads, CHECKPOINT included. */
    static double http(Node node, int records, int offset, int clients) throws Exception {
        List<byte[]> batches = batches(offset, records, 500);
        node.warehouse().checkpoint();
        System.gc();
        GroupCommitWriter.Stats before = node.ingest().writerStats();
        long cpu = processCpuNanos();
        long started = System.nanoTime();
        post(node, batches, clients);
        long posted = System.nanoTime();
        GroupCommitWriter.Stats after = node.ingest().writerStats();
        node.warehouse().checkpoint();
        long ended = System.nanoTime();
        double rate = records / ((ended - started) / 1e9);
        System.out.printf("          %2d clients: %,7.0f records/s: posting %.1f s (writer busy %.0f %%, %.1f µs of its CPU a record,"
                        + " %.1f requests a commit), CHECKPOINT %.1f s, %.1f µs CPU a record (all threads; %s)%n",
                clients, rate, (posted - started) / 1e9, 100.0 * (after.busyNanos() - before.busyNanos()) / (posted - started),
                (after.busyCpuNanos() - before.busyCpuNanos()) / 1e3 / records,
                (double) (after.submissions() - before.submissions()) / (after.groups() - before.groups()), (ended - posted) / 1e9,
                (processCpuNanos() - cpu) / 1e3 / records, LoopbackPosts.lastClientCpuNanos.get() < 0 ? "JDK client"
                        : String.format("the client's threads %.2f µs", LoopbackPosts.lastClientCpuNanos.get() / 1e3 / records));
        return rate;
    }

    /**
     * Untimed: 200 000 records in batches of 10, so that the code run once per request
     * (Grizzly, Jersey, the client) is compiled as in a server that has been up for a while: C2
     * compiles a method after some 15 000 calls. In batches of 500 that code would run only a
     * few hundred times, and the JIT would still be compiling it, on one of the two cores,
     * during the timed phases. Then 100 000 in batches of 500, for the loops over a batch.
     */
    private static void warmUpHttp(Node node, int offset) throws Exception {
        post(node, batches(offset, WARM_UP_SMALL_BATCHES, 10), 8);
        post(node, batches(offset + WARM_UP_SMALL_BATCHES, WARM_UP_BATCHES_OF_500, 500), 8);
    }

    /** A shorter warm-up: {@code records} in batches of 500 from 8 threads (IngestEncryptionBench). */
    static void warmUpHttp(Node node, int offset, int records) throws Exception {
        post(node, batches(offset, records, 500), 8);
    }

    private static final int WARM_UP_SMALL_BATCHES = 200_000;
    private static final int WARM_UP_BATCHES_OF_500 = 100_000;
    private static final int HTTP_WARM_UP = WARM_UP_SMALL_BATCHES + WARM_UP_BATCHES_OF_500;
    private static final int HTTP_ROUNDS = 3;

    /** CPU time of the whole process (server, client, JIT, GC, DuckDB's threads). */
    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static List<byte[]> batches(int offset, int records, int size) {
        byte[] all = ndjson(offset, records);
        List<byte[]> batches = new ArrayList<>();
        int start = 0;
        int lines = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n' && ++lines % size == 0) {
                batches.add(Arrays.copyOfRange(all, start, i + 1));
                start = i + 1;
            }
        }
        if (start < all.length) {
            batches.add(Arrays.copyOfRange(all, start, all.length));
        }
        return batches;
    }

    /**
     * Posts {@code batches} from {@code clients} threads with the lean loopback client
     * ({@link LoopbackPosts}), or with the JDK's HttpClient under {@code -Dtonle.bench.client=jdk}.
     */
    private static void post(Node node, List<byte[]> batches, int clients) throws Exception {
        URI url = URI.create(node.url() + "/api/v1/activities");
        if (!"jdk".equals(System.getProperty("tonle.bench.client"))) {
            LoopbackPosts.post(url, List.of("Authorization: Bearer bench-token", "Content-Type: application/x-ndjson"), batches, clients);
            return;
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> answers = new ArrayList<>();
            for (byte[] batch : batches) {
                answers.add(pool.submit(() -> {
                    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(url)
                            .header("Authorization", "Bearer bench-token").header("Content-Type", "application/x-ndjson")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(batch)).build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() != 200 || !answer.body().contains("\"rejected\":[]")) {
                        throw new IllegalStateException(answer.statusCode() + " " + answer.body());
                    }
                    return null;
                }));
            }
            for (Future<?> f : answers) {
                f.get();
            }
        } finally {
            pool.shutdown();
            LoopbackPosts.lastClientCpuNanos.set(-1);
        }
    }

    /** Records like an office's: clients with refs (about one in five a returning person), trainings, case intakes. */
    static byte[] ndjson(int offset, int records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(records * 260);
        StringBuilder line = new StringBuilder(300);
        for (int n = offset; n < offset + records; n++) {
            line.setLength(0);
            UUID id = UUID.nameUUIDFromBytes(("bench-" + n).getBytes(StandardCharsets.UTF_8));
            String office = OFFICES[n % 3];
            LocalDate date = LocalDate.of(2015, 1, 1).plusDays(n % 365);
            line.append("{\"id\":\"").append(id).append("\",");
            switch (n % 10) {
                case 0 -> line.append("\"program\":\"awareness\",\"type\":\"training\",\"office\":\"SHV\",\"date\":\"").append(date)
                        .append("\",\"attributes\":{\"topic\":\"grooming\"},\"participants\":[{\"group\":\"taxi_driver\",\"sex\":\"M\",\"count\":12},")
                        .append("{\"group\":\"hotel_staff\",\"sex\":\"F\",\"count\":8}]}");
                case 1 -> line.append("\"program\":\"investigation\",\"type\":\"case_intake\",\"office\":\"").append(office)
                        .append("\",\"date\":\"").append(date).append("\",\"attributes\":{\"channel\":\"hotline\"}}");
                default -> line.append("\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"").append(office)
                        .append("\",\"date\":\"").append(date).append("\",\"subject\":{\"ref\":\"").append(office).append("-C-")
                        .append(n % (records / 5 + 1)).append("\",\"role\":\"client\",\"sex\":\"").append(SEXES[n % 4])
                        .append("\",\"age\":").append(n % 18).append("},\"attributes\":{\"setting\":\"shelter\"}}");
            }
            line.append('\n');
            out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}

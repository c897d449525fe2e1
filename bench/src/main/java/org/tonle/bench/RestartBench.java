package org.tonle.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import org.tonle.core.Json;
import org.tonle.host.ChildNode;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorCube;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorQuery;
import org.tonle.warehouse.indicators.Period;

/**
 * Restart at scale (issue 22, item 3): the packaged server ({@code java -jar
 * host/target/tonle-host.jar serve}, as {@code bin/tonle} runs it, with {@code TONLE_JAVA_OPTS}
 * passed on) started as a child process, timed from its launch until it answers
 * {@code social.clients_met} for 2015 by office and sex correctly (equal to the engine's SQL from
 * scratch, computed here beforehand). Baseline in the same run: an empty node, from launch to
 * {@code /health}. For each size: the first start without a persisted cube, restarts after a
 * clean stop (the cube comes back from its file), and a restart after a record was committed
 * and the node killed with SIGKILL before it could persist (the file no longer matches the
 * warehouse's state: nothing of it comes back, the cube is rebuilt).
 *
 * <pre>bin/bench restart [RECORDS[,RECORDS...]] [ROUNDS]   (defaults 3000000 and 3)</pre>
 */
public final class RestartBench {

    private static final String TOKEN = "restart-bench-admin-token";
    private static final String QUERY = "/api/v1/indicators/social.clients_met/values?period=2015&by=office&by=sex";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private RestartBench() {
    }

    public static void main(String[] args) throws Exception {
        long[] sizes = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToLong(Long::parseLong).toArray() : new long[] {3_000_000};
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Path.of("bench/target/restart-bench").toAbsolutePath();
        System.out.printf("RestartBench: %d cores, server heap options '%s', %d rounds; load average %s%n",
                Runtime.getRuntime().availableProcessors(), System.getenv().getOrDefault("TONLE_JAVA_OPTS", ""), rounds,
                SqlSandboxBench.loadAverage());
        double[] empty = new double[rounds];
        double[] emptyCpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Path data = fresh(work.resolve("empty"));
            Path log = work.resolve("empty-" + r + ".log");
            Files.deleteIfExists(log);
            // The launch instant in the log's clock, so the log's lines say where the start's time goes.
            Files.writeString(log, LocalTime.now() + " launch\n");
            long t0 = System.nanoTime();
            try (Server server = Server.start(data, log)) {
                empty[r] = (System.nanoTime() - t0) / 1e6;
                emptyCpu[r] = server.cpuMillis();
                Files.writeString(log, LocalTime.now() + " healthy\n", StandardOpenOption.APPEND);
            }
        }
        double baseline = median(empty);
        System.out.printf("baseline: empty node, launch to healthy          median %7.0f ms  (%s; logs in %s/empty-*.log)%n",
                baseline, list(empty), work);
        System.out.printf("          server CPU (user + system) to healthy  median %7.0f ms  (%s)%n", median(emptyCpu), list(emptyCpu));
        for (long size : sizes) {
            run(work, size, rounds, baseline, median(emptyCpu));
        }
    }

    private static void run(Path work, long size, int rounds, double baseline, double baselineCpu) throws Exception {
        System.out.printf("%n== %,d records (social/client_contact, 2015) ==  load average %s%n", size, SqlSandboxBench.loadAverage());
        Path data = fresh(work.resolve(Long.toString(size)));
        Path log = work.resolve(size + ".log");
        // A first start makes the node's keys, as on a real node before its records arrive.
        try (Server ignored = Server.start(data, log)) {
            Files.deleteIfExists(data.resolve("indicator-cube.bin"));
        }
        Files.deleteIfExists(data.resolve("indicator-cube.bin"));
        long t = System.nanoTime();
        Map<List<String>, Long> expected = fill(data, size);
        System.out.printf("warehouse filled in %.1f s; %d cells expected%n", (System.nanoTime() - t) / 1e9, expected.size());

        double[] first = new double[1];
        double[] health = new double[1];
        double[] firstCpu = new double[1];
        timedStart(data, log, expected, first, health, firstCpu, 0);
        System.out.printf("  no persisted cube (first start)  healthy %7.0f ms, first correct answer %7.0f ms = %.2f x baseline%n",
                health[0], first[0], first[0] / baseline);

        double[] restored = new double[rounds];
        double[] restoredHealth = new double[rounds];
        double[] restoredCpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            timedStart(data, log, expected, restored, restoredHealth, restoredCpu, r);
        }
        System.out.printf("  cube restored (clean restarts)   healthy %7.0f ms, first correct answer %7.0f ms = %.2f x baseline  (%s)%n",
                median(restoredHealth), median(restored), median(restored) / baseline, list(restored));
        System.out.printf("    server CPU (user + system) to the first answer: median %7.0f ms = %.2f x the empty node's to healthy  (%s)%n",
                median(restoredCpu), median(restoredCpu) / baselineCpu, list(restoredCpu));
        System.out.println("    " + lastLine(log, "Indicator cube:"));

        // A commit the persisted cube does not hold, then SIGKILL: the file is not taken back.
        try (Server server = Server.start(data, log)) {
            server.post("{\"id\":\"" + UUID.randomUUID() + "\",\"program\":\"social\",\"type\":\"client_contact\",\"office\":\"PNH\","
                    + "\"date\":\"2015-06-01\",\"subject\":{\"ref\":\"RESTART-BENCH-" + UUID.randomUUID() + "\",\"role\":\"client\","
                    + "\"sex\":\"F\",\"age\":12},\"attributes\":{\"setting\":\"office\"}}\n");
            server.kill();
        }
        expected.merge(List.of("PNH", "F"), 1L, Long::sum);
        double[] crash = new double[1];
        double[] crashHealth = new double[1];
        timedStart(data, log, expected, crash, crashHealth, new double[1], 0);
        System.out.printf("  after SIGKILL past a commit      healthy %7.0f ms, first correct answer %7.0f ms = %.2f x baseline%n",
                crashHealth[0], crash[0], crash[0] / baseline);
        System.out.println("    " + lastLine(log, "Indicator cube:"));
        System.out.println("  load average after: " + SqlSandboxBench.loadAverage());
    }

    /** Launch, healthy, first correct answer; stopped cleanly (which persists the cube). */
    private static void timedStart(Path data, Path log, Map<List<String>, Long> expected, double[] answer, double[] health, double[] cpu,
            int slot) throws Exception {
        long t0 = System.nanoTime();
        try (Server server = Server.start(data, log)) {
            health[slot] = (System.nanoTime() - t0) / 1e6;
            Map<List<String>, Long> got = server.values();
            answer[slot] = (System.nanoTime() - t0) / 1e6;
            cpu[slot] = server.cpuMillis();
            if (slot == 0) {
                System.out.println("    server memory after the first answer: " + server.memory());
            }
            if (!got.equals(expected)) {
                throw new IllegalStateException("the node answered " + got + ", SQL from scratch gives " + expected);
            }
        }
    }

    /** N client contacts written straight into a new warehouse (versions and facts), and the from-scratch answer. */
    static Map<List<String>, Long> fill(Path data, long size) throws Exception {
        try (Warehouse warehouse = Warehouse.open(data.resolve("tonle.duckdb"))) {
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                long persons = Math.max(1, (long) (size / 5.3));
                s.execute("""
                        INSERT INTO record_version
                        SELECT md5('r' || i)::UUID, 1, 'create', md5('h' || i), '{"bench":' || i || '}', now(), 'bench', 'bench'
                        FROM range(%d) t(i)""".formatted(size));
                s.execute("""
                        INSERT INTO fact_activity
                        SELECT md5('r' || i)::UUID, 'social', 'client_contact', ['PNH', 'SRP', 'SHV'][1 + (i * 7) %% 3],
                               DATE '2015-01-01' + (i * 365 // %d)::INTEGER,
                               CASE WHEN i %% 50 = 0 THEN NULL ELSE md5('p' || ((i * 7919) %% %d))::UUID END,
                               ['client', 'victim', 'family'][1 + (i * 13) %% 3], ['F', 'F', 'M', 'M', 'X', 'U'][1 + (i * 17) %% 6],
                               ((i * 31) %% 25)::SMALLINT,
                               CASE WHEN (i * 31) %% 25 < 6 THEN '0-5' WHEN (i * 31) %% 25 < 12 THEN '6-11' WHEN (i * 31) %% 25 < 15 THEN '12-14'
                                    WHEN (i * 31) %% 25 < 18 THEN '15-17' ELSE '18+' END,
                               1, '{"setting":"' || ['office', 'shelter', 'home', 'community', 'phone'][1 + (i * 11) %% 5] || '"}'
                        FROM range(%d) t(i)""".formatted(size, persons, size));
            }
            ProgrammeRegistry registry = new ProgrammeRegistry();
            try (InputStream in = Files.newInputStream(Path.of("bundles/social/src/main/resources/TONLE-INF/programme.yaml"))) {
                Programme social = new DeclarationReader().read(in, "social programme.yaml");
                registry.add(1, "social", "bench", social);
            }
            IndicatorEngine engine = new IndicatorEngine(warehouse, registry, TonleConfig.load(Path.of("config")), new IndicatorCube(warehouse));
            Indicator clients = registry.indicator("social.clients_met").orElseThrow();
            Map<List<String>, Long> expected = new HashMap<>();
            for (Cell cell : engine.evaluateFromScratch(new IndicatorQuery(clients, Period.parse("2015"), null, List.of("office", "sex")))) {
                if (cell.value() != null && cell.value().longValue() != 0) {
                    expected.put(List.of(cell.dimensions().get("office"), cell.dimensions().get("sex")), cell.value().longValue());
                }
            }
            return expected;
        }
    }

    static Path fresh(Path dir) throws IOException {
        Scratch.delete(dir);
        return Files.createDirectories(dir.resolve("data"));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String list(double[] values) {
        List<String> shown = new ArrayList<>();
        for (double v : values) {
            shown.add(String.format(Locale.ROOT, "%.0f", v));
        }
        return String.join(", ", shown) + " ms";
    }

    private static String lastLine(Path log, String containing) throws IOException {
        List<String> lines = Files.readAllLines(log).stream().filter(l -> l.contains(containing)).toList();
        return lines.isEmpty() ? "(no line with " + containing + ")" : String.join("\n    ", lines.subList(Math.max(0, lines.size() - 2), lines.size()));
    }

    /** The packaged server as a child process; closing it stops it with SIGTERM (a clean stop). */
    private static final class Server implements AutoCloseable {
        final ChildNode node;
        final String url;

        private Server(ChildNode node) {
            this.node = node;
            this.url = node.url;
        }

        static Server start(Path data, Path log) throws Exception {
            String options = System.getenv().getOrDefault("TONLE_JAVA_OPTS", "");
            List<String> jvm = options.isBlank() ? List.of() : Arrays.asList(options.strip().split("\\s+"));
            return new Server(ChildNode.start(ChildNode.jar(jvm), Path.of("config").toAbsolutePath(), data, log,
                    Map.of("TONLE_ADMIN_TOKEN", TOKEN), Duration.ofMinutes(10)));
        }

        Map<List<String>, Long> values() throws Exception {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url + QUERY)).header("Authorization", "Bearer " + TOKEN)
                    .timeout(Duration.ofMinutes(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("status " + answer.statusCode() + ": " + answer.body());
            }
            Map<List<String>, Long> values = new HashMap<>();
            for (JsonNode row : Json.MAPPER.readTree(answer.body()).path("rows")) {
                if (row.path("value").asLong() != 0) {
                    values.put(List.of(row.path("office").asText(), row.path("sex").asText()), row.path("value").asLong());
                }
            }
            return values;
        }

        void post(String ndjson) throws Exception {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/activities"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200 || Json.MAPPER.readTree(answer.body()).path("accepted").asInt() != 1) {
                throw new IllegalStateException("status " + answer.statusCode() + ": " + answer.body());
            }
        }

        /** CPU time (user + system, every thread) the server process has used so far. */
        double cpuMillis() {
            return node.process.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
        }

        /** Resident set (now and peak) of the server process, from /proc. */
        String memory() throws IOException {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + node.process.pid() + "/status"));
            return lines.stream().filter(l -> l.startsWith("VmRSS") || l.startsWith("VmHWM"))
                    .map(l -> l.replaceAll("\\s+", " ")).reduce((a, b) -> a + ", " + b).orElse("?");
        }

        void kill() throws InterruptedException {
            node.kill();
        }

        @Override
        public void close() throws InterruptedException {
            node.close();
        }
    }
}

package org.tonle.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Start to healthy (issue 22, item 4): {@code bin/tonle serve} on an empty data folder with the
 * four bundles, as an operator launches it (the same script, so the same JVM options and the
 * class-data-sharing archive it keeps), timed from the launch until {@code GET /health} answers
 * 200. Baseline in the same run: {@code bin/tonle --version}, the same script and JVM launched
 * to print a line and exit, the floor any start pays. Also in the same run: the start with the
 * archive turned off ({@code TONLE_CDS=0}). Each round runs the three in turn; the server's CPU time until healthy is printed beside the wall time (the machine is
 * shared, CPU time varies less with the load). The last round's log says where the time went,
 * phase by phase.
 *
 * <p>With {@code --flight} the node serves Arrow Flight SQL too (on a free port), as
 * {@code bin/tonle serve} does by default; without it Flight SQL is off, as in the first
 * measurements (docs/PERFORMANCE.md).
 *
 * <pre>bin/bench start [ROUNDS] [--flight] [--archive-only]   (default 7; --archive-only: without the TONLE_CDS=0 start; TONLE_JAVA_OPTS go to the server, as bin/tonle passes them)</pre>
 */
public final class StartBench {

    private static boolean flight;

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** The log lines that end each phase of a start, in order (docs/PERFORMANCE.md). */
    private static final Map<String, String> PHASES = phases();

    private StartBench() {
    }

    private static Map<String, String> phases() {
        Map<String, String> phases = new LinkedHashMap<>();
        phases.put("JVM launch, CLI, logging, first classes", "Warehouse migration 001");
        phases.put("warehouse open, migrations, views", "Warehouse views re-created");
        phases.put("keys, Camel, record store, Felix start", "Generated the namespace");
        // Since the ninth pass: the services the resources need, then Jersey's application built
        // beside Felix's join, the pipeline's start and the bundles, then the transport and the port bound.
        phases.put("access, accounts, backup, SQL service", "ProtectedNames");
        phases.put("Felix, pipeline, four bundles live (Jersey beside)", "Programme social is live");
        phases.put("transport, status, Jersey joined, port bound", "Tonle serves at");
        return phases;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        flight = Arrays.asList(args).contains("--flight");
        // Only the start with the archive (interleaved comparisons under load: half the time a round).
        boolean archiveOnly = Arrays.asList(args).contains("--archive-only");
        Path work = Path.of("bench/target/start-bench").toAbsolutePath();
        Path tonle = Path.of("bin/tonle").toAbsolutePath();
        System.out.printf("StartBench: %d cores, TONLE_JAVA_OPTS '%s', %d rounds, Flight SQL %s; load average %s%n",
                Runtime.getRuntime().availableProcessors(), System.getenv().getOrDefault("TONLE_JAVA_OPTS", ""), rounds, flight ? "on" : "off",
                SqlSandboxBench.loadAverage());
        // Untimed: the first serve after a build records the class-data archive in the background; wait for it.
        start(tonle, fresh(work.resolve("first")), work.resolve("first.log"), true).close();
        Path lock = Path.of("host/target/tonle-host.jsa.lock");
        long lockDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (Files.exists(lock) && System.nanoTime() < lockDeadline) {
            Thread.sleep(200);
        }

        double[] floor = new double[rounds];
        double[] shared = new double[rounds];
        double[] sharedCpu = new double[rounds];
        double[] sharedMain = new double[rounds];
        double[] plain = new double[rounds];
        double[] plainCpu = new double[rounds];
        double[] plainMain = new double[rounds];
        Path lastLog = null;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            ProcessBuilder versionBuilder = new ProcessBuilder(tonle.toString(), "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            // As the starts below: never a build in the middle of the figures (sources edited since the last one).
            versionBuilder.environment().put("TONLE_SKIP_BUILD", "1");
            Process version = versionBuilder.start();
            if (!version.waitFor(5, TimeUnit.MINUTES) || version.exitValue() != 0) {
                throw new IllegalStateException("bin/tonle --version failed");
            }
            floor[r] = (System.nanoTime() - t0) / 1e6;

            lastLog = work.resolve("cds-" + r + ".log");
            try (Server server = start(tonle, fresh(work.resolve("cds")), lastLog, true)) {
                shared[r] = server.millis;
                sharedCpu[r] = server.cpuMillis;
                sharedMain[r] = server.mainCpuMillis;
            }
            if (!archiveOnly) {
                try (Server server = start(tonle, fresh(work.resolve("plain")), work.resolve("plain-" + r + ".log"), false)) {
                    plain[r] = server.millis;
                    plainCpu[r] = server.cpuMillis;
                    plainMain[r] = server.mainCpuMillis;
                }
            }
            System.out.printf("  round %d: --version %5.0f ms, serve %5.0f ms (cpu %5.0f, main thread %5.0f), without archive %5.0f ms (cpu %5.0f, main thread %5.0f); load %s%n",
                    r + 1, floor[r], shared[r], sharedCpu[r], sharedMain[r], plain[r], plainCpu[r], plainMain[r], SqlSandboxBench.loadAverage());
        }
        System.out.println();
        line("baseline: bin/tonle --version (JVM floor)", floor, null, null);
        line("bin/tonle serve, launch to healthy", shared, sharedCpu, sharedMain);
        line("  the same without the archive (TONLE_CDS=0)", plain, plainCpu, plainMain);
        System.out.printf("healthy / floor: %.1f x; target 1500 ms: %s%n", p50(shared) / p50(floor),
                p50(shared) <= 1500 ? "reached" : String.format(Locale.ROOT, "%.0f ms over", p50(shared) - 1500));
        System.out.println();
        System.out.println("where the last round's start went (" + lastLog + "):");
        phaseTable(lastLog);
        System.out.println("load average after: " + SqlSandboxBench.loadAverage());
    }

    private static void line(String label, double[] millis, double[] cpu, double[] main) {
        System.out.printf("%-46s p50 %6.0f ms  min %6.0f  max %6.0f%s%n", label, p50(millis), min(millis), max(millis),
                cpu == null ? "" : String.format(Locale.ROOT, "   cpu p50 %6.0f ms, main thread p50 %6.0f ms", p50(cpu), p50(main)));
    }

    /** Phase lengths from the log's own clock: the launch and healthy lines are the bench's. */
    private static void phaseTable(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        LocalTime launch = time(lines.get(0));
        LocalTime previous = launch;
        LocalTime healthy = time(lines.get(lines.size() - 1));
        for (Map.Entry<String, String> phase : PHASES.entrySet()) {
            LocalTime end = null;
            for (String line : lines) {
                if (line.contains(phase.getValue())) {
                    end = time(line);
                    break;
                }
            }
            if (end == null || previous == null) {
                System.out.printf("  %-52s (no line with '%s')%n", phase.getKey(), phase.getValue());
                continue;
            }
            System.out.printf("  %-52s %5d ms%n", phase.getKey(), Duration.between(previous, end).toMillis());
            previous = end;
        }
        if (previous != null && healthy != null) {
            System.out.printf("  %-52s %5d ms%n", "first /health answered 200", Duration.between(previous, healthy).toMillis());
            System.out.printf("  %-52s %5d ms%n", "in all", Duration.between(launch, healthy).toMillis());
        }
    }

    private static LocalTime time(String line) {
        try {
            return LocalTime.parse(line.substring(0, Math.min(12, line.length())).strip());
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            return null;
        }
    }

    private static Server start(Path tonle, Path data, Path log, boolean archive, String... javaOptions) throws Exception {
        int port = freePort();
        int flightPort = flight ? freePort() : 0;
        Files.writeString(log, LocalTime.now() + " launch\n");
        ProcessBuilder builder = new ProcessBuilder(tonle.toString(), "serve", "--config", Path.of("config").toAbsolutePath().toString(),
                "--data", data.toString(), "--port", Integer.toString(port), "--flight-port", Integer.toString(flightPort))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("TONLE_ADMIN_TOKEN", "start-bench-admin-token");
        builder.environment().put("TONLE_SKIP_BUILD", "1");
        if (!archive) {
            builder.environment().put("TONLE_CDS", "0");
        }
        if (javaOptions.length > 0) {
            builder.environment().merge("TONLE_JAVA_OPTS", String.join(" ", javaOptions), (given, added) -> given + " " + added);
        }
        long t0 = System.nanoTime();
        Process process = builder.start();
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    double millis = (System.nanoTime() - t0) / 1e6;
                    // Taken now: reading the CPU times below takes the bench itself 0.1-0.3 s, which the
                    // phase table's last phase once counted as the server's.
                    LocalTime healthy = LocalTime.now();
                    // bin/tonle execs java: the script's process is the JVM.
                    double cpu = process.info().totalCpuDuration().map(d -> d.toNanos() / 1e6).orElse(Double.NaN);
                    double mainCpu = mainThreadCpuMillis(process.pid());
                    Files.writeString(log, healthy + " healthy\n", StandardOpenOption.APPEND);
                    return new Server(process, millis, cpu, mainCpu);
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(10);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the server did not become healthy; see " + log);
    }

    /**
     * The CPU time of the JVM's main thread (Linux: the busiest of the threads the kernel still
     * calls "java", the launcher's own thread only waits), NaN elsewhere: the start's own work,
     * without the JIT compilers and GC beside it.
     */
    private static double mainThreadCpuMillis(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        if (!Files.isDirectory(tasks)) {
            return Double.NaN;
        }
        double busiest = Double.NaN;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path thread : threads.toList()) {
                String stat = Files.readString(thread.resolve("stat"));
                int close = stat.lastIndexOf(')');
                if (!stat.substring(stat.indexOf('(') + 1, close).equals("java")) {
                    continue;
                }
                // After the name: state, then 10 fields, then utime and stime in clock ticks (100 a second).
                String[] fields = stat.substring(close + 2).split(" ");
                double millis = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10.0;
                busiest = Double.isNaN(busiest) ? millis : Math.max(busiest, millis);
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return busiest;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Path fresh(Path dir) throws IOException {
        Scratch.delete(dir);
        return Files.createDirectories(dir).resolve("data");
    }

    private static double p50(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    /** A started server; closing it stops it with SIGTERM and waits. */
    private record Server(Process process, double millis, double cpuMillis, double mainCpuMillis) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}

package org.tonle.analytics;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs analysts' checked statements in worker processes ({@link SqlWorker}) that the node can
 * kill: a few long-lived JVMs with a small heap, each reading the analyst snapshot with its own
 * DuckDB instance under its own caps. DuckDB's {@code memory_limit} governs only its buffer
 * manager; a value composed of allowed functions can grow past it within one vector operation,
 * which checks for no interrupt. So the operating system holds the caps: each worker runs under
 * an address-space limit ({@code ulimit -v}), and a watchdog reads a busy worker's resident size
 * from {@code /proc/<pid>/status} every few milliseconds and kills it past its cap; at the time
 * limit the worker is killed too. The caller is answered at once with the rule that stopped the
 * statement ({@code memory_limit}, {@code timeout}, {@code worker_died}), a fresh worker takes
 * the killed one's place, and the node and its warehouse never run the statement at all.
 */
public final class AnalystWorkers implements AutoCloseable {

    /** What a worker inherits of the node's environment: where it runs, nothing secret. */
    static final Set<String> WORKER_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR");
    private static final Logger LOG = LoggerFactory.getLogger(AnalystWorkers.class);
    /** How often the watchdog reads a busy worker's resident size. */
    static final Duration WATCH = Duration.ofMillis(5);
    /** How long a worker has to stop a statement after DuckDB's interrupt before it is killed. */
    static final Duration GRACE = Duration.ofSeconds(1);
    private static final Duration START = Duration.ofSeconds(60);

    /**
     * @param workers      worker processes, each running one statement at a time (sql.concurrent_queries)
     * @param memoryLimit  DuckDB's memory_limit in each worker
     * @param threads      DuckDB's threads in each worker; 0: one per core
     * @param rssLimit     a worker's resident size (bytes) past which the watchdog kills it
     * @param heapMegabytes the worker JVM's heap
     */
    public record Limits(Duration timeout, long maxAnswerBytes, int workers, String memoryLimit, int threads, String maxTempSize,
                         long rssLimit, int heapMegabytes) {
        public Limits {
            workers = Math.max(1, workers);
            heapMegabytes = heapMegabytes <= 0 ? 128 : heapMegabytes;
        }

        /** The caps as {@code sql:} in tonle.yaml gives them: a worker may hold its memory_limit and half as much again, plus its JVM. */
        public static Limits of(Duration timeout, long maxAnswerBytes, int workers, String memoryLimit, int threads, String maxTempSize) {
            long memory = bytes(memoryLimit);
            return new Limits(timeout, maxAnswerBytes, workers, memoryLimit, threads, maxTempSize, memory + memory / 2 + (256L << 20), 128);
        }
    }

    /** An answer, and the instant up to which the snapshot it was read from holds every commit. */
    public record Answer<T>(T value, Instant asOf) {
    }

    private final AnalystSnapshots snapshots;
    private final Path spill;
    private final Limits limits;
    private final List<String> command;
    private final BlockingQueue<Worker> idle = new LinkedBlockingQueue<>();
    private final Set<Worker> live = ConcurrentHashMap.newKeySet();
    private final Set<Worker> busy = ConcurrentHashMap.newKeySet();
    private final AtomicInteger numbers = new AtomicInteger();
    private final ExecutorService starter = Executors.newCachedThreadPool(daemon("sql-worker-start"));
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(daemon("sql-worker-watchdog"));
    private final AtomicInteger starting = new AtomicInteger();
    private volatile boolean closing;
    private volatile boolean started;

    /**
     * Starts no process yet: the workers start with the first statement (a node whose analysts
     * never send one runs none), and the first statement waits for them.
     */
    public AnalystWorkers(AnalystSnapshots snapshots, Path spill, Limits limits) {
        this.snapshots = snapshots;
        this.spill = spill;
        this.limits = limits;
        this.command = command();
        try {
            deleteTree(spill);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the analyst workers' folder " + spill, e);
        }
    }

    private void startWorkers() {
        if (started) {
            return;
        }
        synchronized (this) {
            if (!started && !closing) {
                for (int i = 0; i < limits.workers(); i++) {
                    start();
                }
                watchdog.scheduleWithFixedDelay(this::watch, WATCH.toMillis(), WATCH.toMillis(), TimeUnit.MILLISECONDS);
                started = true;
            }
        }
    }

    private void start() {
        starting.incrementAndGet();
        starter.execute(() -> {
            try {
                startOne();
            } finally {
                starting.decrementAndGet();
            }
        });
    }

    /**
     * A free worker: waits its turn while others run statements, as long as one of theirs can
     * hold a worker (the time limit, the grace after DuckDB's interrupt, and a second for the
     * kill and its replacement to be noticed), and longer (up to {@link #START}) while workers
     * are starting, so that the statement after one that cost its worker is not refused for the
     * restart. Waiting only the time limit refused statements that a worker would have taken
     * moments later, whenever the busy ones ran to their own limit.
     */
    private Worker acquire() {
        long began = System.nanoTime();
        long longestHold = limits.timeout().plus(GRACE).plusSeconds(1).toNanos();
        try {
            while (true) {
                Worker worker = idle.poll(50, TimeUnit.MILLISECONDS);
                if (worker != null) {
                    if (worker.process.isAlive()) {
                        return worker;
                    }
                    continue;
                }
                long waited = System.nanoTime() - began;
                if (waited > START.toNanos() || (waited > longestHold && starting.get() == 0)) {
                    throw new SqlRefusedException("no analyst worker was free within " + Math.max(1, waited / 1_000_000_000L)
                            + " s; other statements hold them all; try again", "timeout");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SqlRefusedException("the query was interrupted");
        }
    }

    public Limits limits() {
        return limits;
    }

    /** The worker processes' ids, for tests and the status page. */
    public List<Long> pids() {
        return live.stream().map(w -> w.process.pid()).sorted().toList();
    }

    /** The ids of the worker processes running a statement now. */
    public List<Long> busyPids() {
        return busy.stream().map(w -> w.process.pid()).sorted().toList();
    }

    /** At most {@code limit} rows of a checked statement, cut (saying so) at the row limit or the answer byte cap. */
    public Answer<SqlSandbox.Rows> rows(String checked, int limit) {
        Answered answered = run(checked, Wire.ROWS, limit + 1L, limit, (long) limits.maxAnswerBytes() * 4 + (1 << 20));
        try {
            return new Answer<>(Wire.rows(new DataInputStream(new ByteArrayInputStream(answered.bytes)), limit), answered.asOf);
        } catch (IOException e) {
            throw new SqlRefusedException("the analyst worker's answer was unreadable: " + e.getMessage(), "worker_died");
        }
    }

    /** A checked statement's answer as an Arrow IPC stream, refused past the answer byte cap; {@code limit} 0: the columns only. */
    public Answer<byte[]> arrow(String checked, int limit) {
        Answered answered = run(checked, Wire.ARROW, limit, limit, limits.maxAnswerBytes());
        return new Answer<>(answered.bytes, answered.asOf);
    }

    private record Answered(byte[] bytes, Instant asOf) {
    }

    private Answered run(String checked, byte mode, long sqlCap, int rowLimit, long ceiling) {
        startWorkers();
        // Leased: the statement may wait for a worker while newer snapshots replace this one.
        AnalystSnapshots.Snapshot snapshot = snapshots.lease();
        try {
            return run(snapshot, checked, mode, sqlCap, rowLimit, ceiling);
        } finally {
            snapshots.release(snapshot);
        }
    }

    private Answered run(AnalystSnapshots.Snapshot snapshot, String checked, byte mode, long sqlCap, int rowLimit, long ceiling) {
        Worker worker = acquire();
        busy.add(worker);
        long statement = worker.begin();
        // At the time limit DuckDB is interrupted; a statement that reaches no interrupt check
        // within the grace after it (one slow scalar over a huge value) costs its worker.
        ScheduledFuture<?> kill = watchdog.schedule(() -> {
            if (worker.cancel(statement)) {
                watchdog.schedule(() -> worker.kill(statement, "timeout"), GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
        boolean healthy = false;
        try {
            // The snapshot's key (an encrypted warehouse's) crosses the worker's standard input only.
            // With it the node's consent to DuckDB's built-in crypto module: a worker without httpfs refuses otherwise.
            worker.send(new Wire.Request(snapshot.file().toAbsolutePath().toString(), snapshots.keyText(), snapshots.builtinCrypto(),
                    mode, sqlCap, rowLimit, limits.maxAnswerBytes(), checked));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            while (true) {
                byte type = worker.out.readByte();
                int length = worker.out.readInt();
                if (length < 0 || length > Wire.CHUNK) {
                    throw new IOException("a frame of " + length + " bytes");
                }
                byte[] bytes = worker.out.readNBytes(length);
                if (bytes.length < length) {
                    throw new IOException("the worker's answer ended early");
                }
                switch (type) {
                    case Wire.DATA -> {
                        if (answer.size() + (long) length > ceiling) {
                            throw new IOException("the worker answered more than the answer size cap");
                        }
                        answer.write(bytes);
                    }
                    case Wire.END -> {
                        healthy = true;
                        return new Answered(answer.toByteArray(), snapshot.asOf());
                    }
                    case Wire.REFUSED -> {
                        healthy = true;
                        if (worker.cancelled) {
                            throw timedOut();
                        }
                        throw new SqlRefusedException(new String(bytes, StandardCharsets.UTF_8), refusalRule(bytes));
                    }
                    default -> throw new IOException("a frame of type " + type);
                }
            }
        } catch (IOException e) {
            worker.kill(worker.killedFor == null ? "worker_died" : worker.killedFor);
            throw stopped(worker.killedFor, e);
        } finally {
            kill.cancel(false);
            busy.remove(worker);
            // A cancellation sent meanwhile stays sent: the worker reads it before the next statement and finds none running.
            worker.end();
            if (healthy && worker.killedFor == null) {
                idle.add(worker);
            } else {
                worker.kill(worker.killedFor == null ? "worker_died" : worker.killedFor);
            }
        }
    }

    private static String refusalRule(byte[] message) {
        return new String(message, StandardCharsets.UTF_8).contains("answer size cap") ? "max_answer_bytes" : "query_failed";
    }

    private SqlRefusedException stopped(String why, IOException e) {
        if ("timeout".equals(why)) {
            return timedOut();
        }
        if ("memory_limit".equals(why)) {
            return new SqlRefusedException("the query needed more memory than an analyst query may use ("
                    + megabytes(limits.rssLimit()) + ") and was stopped; filter or aggregate more, or build smaller values", "memory_limit");
        }
        LOG.warn("An analyst worker stopped during a query ({})", e.toString());
        return new SqlRefusedException("the process running the query stopped before it answered; the query was not"
                + " answered and may be sent again", "worker_died");
    }

    private SqlRefusedException timedOut() {
        return new SqlRefusedException("the query ran longer than " + limits.timeout().toSeconds()
                + " s and was cancelled; filter or aggregate more, or ask for fewer rows", "timeout");
    }

    /** Kills a busy worker whose resident size is past its cap. */
    private void watch() {
        for (Worker worker : busy) {
            long rss = residentBytes(worker.process.pid());
            if (rss > limits.rssLimit()) {
                LOG.warn("Analyst worker {} reached {} resident, past its cap of {}; stopped", worker.number, megabytes(rss),
                        megabytes(limits.rssLimit()));
                worker.kill("memory_limit");
            }
        }
    }

    /** A process's resident size in bytes from /proc, or 0 where there is no /proc. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private void startOne() {
        if (closing) {
            return;
        }
        int number = numbers.incrementAndGet();
        try {
            Path folder = Files.createDirectories(spill.resolve("worker-" + number));
            List<String> args = new ArrayList<>(command);
            // DuckDB's driver unpacks its native library into the temporary folder at every start
            // and cannot delete it when the worker is killed: the worker's own folder, deleted after it.
            args.add(args.indexOf("-cp"), "-Djava.io.tmpdir=" + folder);
            args.addAll(List.of(folder.toString(), limits.memoryLimit(), Integer.toString(limits.threads()), limits.maxTempSize()));
            ProcessBuilder builder = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.PIPE);
            // The node's environment may hold the warehouse key (warehouse.encryption.key_env) and
            // the backup passphrase; a process that runs analysts' SQL gets none of it.
            builder.environment().keySet().retainAll(WORKER_ENVIRONMENT);
            Process process = builder.start();
            Worker worker = new Worker(number, process, folder);
            live.add(worker);
            worker.pumpErrors();
            process.onExit().thenRun(() -> exited(worker));
            if (worker.out.readByte() != Wire.READY || worker.out.readInt() != 0) {
                throw new IOException("the worker did not say it was ready");
            }
            if (closing) {
                worker.kill("closing");
                return;
            }
            worker.ready = true;
            idle.add(worker);
            LOG.debug("Analyst worker {} ready (pid {})", number, process.pid());
        } catch (IOException | RuntimeException e) {
            LOG.warn("An analyst worker did not start: {}", e.getMessage());
        }
    }

    /** A worker that ended, killed or not, is replaced (unless the node is stopping). */
    private void exited(Worker worker) {
        live.remove(worker);
        idle.remove(worker);
        try {
            deleteTree(worker.folder);
        } catch (IOException e) {
            LOG.warn("Cannot delete analyst worker {}'s folder: {}", worker.number, e.getMessage());
        }
        if (closing) {
            return;
        }
        if (!worker.ready) {
            // It never started: try again a little later rather than in a tight loop.
            LOG.warn("Analyst worker {} ended before it was ready (exit {}); trying again in 5 s", worker.number, worker.process.exitValue());
            watchdog.schedule(this::start, 5, TimeUnit.SECONDS);
            return;
        }
        if (worker.killedFor == null) {
            LOG.warn("Analyst worker {} ended by itself (exit {}); starting another", worker.number, worker.process.exitValue());
        }
        start();
    }

    /** {@code java} with the node's class path and a small heap, under an address-space limit where the shell can set one. */
    private List<String> command() {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(List.of("-Xmx" + limits.heapMegabytes() + "m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:MaxDirectMemorySize=" + Math.max(64, (limits.maxAnswerBytes() >> 20) + 64) + "m",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dfile.encoding=UTF-8",
                // where logback is on the class path (the node's), the worker logs warnings only
                "-Dlogback.configurationFile=org/tonle/analytics/worker-logback.xml",
                "-Duser.timezone=" + TimeZone.getDefault().getID(),
                "-cp", System.getProperty("java.class.path"), SqlWorker.class.getName()));
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        if (!linux || !Files.isExecutable(Path.of("/bin/sh"))) {
            return java;
        }
        List<String> limited = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -v \"$0\" && exec \"$@\"",
                Long.toString(addressSpaceKilobytes())));
        limited.addAll(java);
        return limited;
    }

    /**
     * The address-space limit: far above the resident cap, since a JVM and DuckDB reserve much
     * more than they touch; a backstop for what the watchdog cannot see in time, not the cap itself.
     */
    private long addressSpaceKilobytes() {
        return (limits.rssLimit() + (8L << 30)) >> 10;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static long bytes(String size) {
        String s = size.strip().toUpperCase(Locale.ROOT).replace(" ", "");
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        double number = Double.parseDouble(s.substring(0, i));
        String unit = s.substring(i);
        long factor = switch (unit) {
            case "", "B" -> 1;
            case "KB", "K" -> 1_000;
            case "KIB" -> 1L << 10;
            case "MB", "M" -> 1_000_000;
            case "MIB" -> 1L << 20;
            case "GB", "G" -> 1_000_000_000;
            case "GIB" -> 1L << 30;
            case "TB", "T" -> 1_000_000_000_000L;
            case "TIB" -> 1L << 40;
            default -> throw new IllegalArgumentException("not a size: " + size);
        };
        return (long) (number * factor);
    }

    private static String megabytes(long bytes) {
        return (bytes >> 20) + " MB";
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        closing = true;
        for (Worker worker : live) {
            worker.quit();
        }
        starter.shutdownNow();
        watchdog.shutdownNow();
        for (Worker worker : live) {
            try {
                if (!worker.process.waitFor(2, TimeUnit.SECONDS)) {
                    worker.kill("closing");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                worker.kill("closing");
            }
        }
    }

    /** One worker process and its pipes. */
    private static final class Worker {
        final int number;
        final Process process;
        final DataOutputStream in;
        final DataInputStream out;
        volatile String killedFor;
        volatile boolean ready;
        volatile boolean cancelled;

        final Path folder;

        Worker(int number, Process process, Path folder) {
            this.number = number;
            this.process = process;
            this.folder = folder;
            this.in = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
            this.out = new DataInputStream(new BufferedInputStream(process.getInputStream(), Wire.CHUNK + 16));
        }

        void kill(String why) {
            if (killedFor == null) {
                killedFor = why;
            }
            process.destroyForcibly();
        }

        private long statements;
        private long current;

        /** Numbers the statement the worker is given now, so that a late timer cannot touch the next one. */
        synchronized long begin() {
            current = ++statements;
            cancelled = false;
            return current;
        }

        synchronized void end() {
            current = 0;
            cancelled = false;
        }

        synchronized void send(Wire.Request request) throws IOException {
            request.write(in);
        }

        /** Asks the worker to interrupt {@code statement}, if it is still running it; true if asked. */
        synchronized boolean cancel(long statement) {
            if (current != statement) {
                return false;
            }
            cancelled = true;
            try {
                in.writeInt(Wire.CANCEL);
                in.flush();
            } catch (IOException e) {
                kill("timeout");
            }
            return true;
        }

        /** Kills the worker if it is still running {@code statement}. */
        synchronized void kill(long statement, String why) {
            if (current == statement) {
                kill(why);
            }
        }

        synchronized void quit() {
            killedFor = "closing";
            try {
                in.writeInt(Wire.QUIT);
                in.flush();
            } catch (IOException e) {
                process.destroyForcibly();
            }
        }

        /** What the worker writes to its standard error goes to the node's log. */
        void pumpErrors() {
            Thread pump = new Thread(() -> {
                try (BufferedReader errors = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line = errors.readLine(); line != null; line = errors.readLine()) {
                        LOG.info("analyst worker {}: {}", number, line);
                    }
                } catch (IOException e) {
                    // the worker ended
                }
            }, "sql-worker-" + number + "-errors");
            pump.setDaemon(true);
            pump.start();
        }
    }
}

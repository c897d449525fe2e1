package org.tonle.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

import org.tonle.warehouse.Change;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/**
 * {@code bin/bench outbox-catch-up [STORED] [CHANGES] [BATCH] [RATE]}: what an office's forwarder costs
 * while its writer never pauses, once when it kept up from the start (the baseline: it reads the
 * outbox's queue in memory) and once after it fell behind (a backlog of more changes than the
 * queue holds, as after a broker outage, then the same steady commits). Behind, it must read the
 * outbox table, whose read joins {@code record_version} (STORED records, default 1 M, already in
 * the warehouse) to get what each change carries, until it has caught up. Printed for each: the
 * forwarder thread's CPU a change, its reads of the table, the wall time. The forwarder here
 * acknowledges at once (no Kafka): only the outbox's side is measured. CHANGES (default 200 k)
 * are committed in transactions of BATCH (default 500) on one thread, as the writer does, at
 * RATE changes a second (default 20 k, an office under load), so that the load outlasts the
 * catch-up.
 */
public final class OutboxCatchUpBench {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int stored = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int rate = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        Path folder = Files.createTempDirectory("tonle-bench-outbox");
        System.out.printf("outbox catch-up: %,d records stored, %,d changes in transactions of %d at %,d a second, queue of %,d%n",
                stored, changes, batch, rate, Outbox.MEMORY);
        try (Warehouse warehouse = Warehouse.open(folder.resolve("office.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            long started = System.nanoTime();
            for (int done = 0; done < stored; done += 10_000) {
                store.commit(changes(Math.min(10_000, stored - done)));
            }
            warehouse.checkpoint();
            System.out.printf("stored %,d records in %.1f s%n", stored, (System.nanoTime() - started) / 1e9);
            Outbox outbox = new Outbox(warehouse, 10_000_000);
            store.commitHook(outbox);

            Run kept = run(store, outbox, 0, changes, batch, rate);
            kept.print("kept up (baseline)");
            Run behind = run(store, outbox, Outbox.MEMORY + 10_000, changes, batch, rate);
            behind.print("fell behind by " + String.format("%,d", Outbox.MEMORY + 10_000));
            System.out.printf("forwarder CPU a change, behind / kept up: %.2f x%n", behind.cpuMicrosAChange() / kept.cpuMicrosAChange());
        } finally {
            Scratch.delete(folder);
        }
    }

    private record Run(int forwarded, long forwarderCpuNanos, long tableReads, double seconds) {
        double cpuMicrosAChange() {
            return forwarderCpuNanos / 1e3 / forwarded;
        }

        void print(String name) {
            System.out.printf("%-28s %,9d changes forwarded in %5.1f s; forwarder %6.2f µs CPU a change, %,6d reads of the table%n",
                    name, forwarded, seconds, cpuMicrosAChange(), tableReads);
        }
    }

    /** Commits {@code backlog} changes with no forwarder, then {@code changes} more while the forwarder drains everything. */
    private static Run run(RecordStore store, Outbox outbox, int backlog, int changes, int batch, int rate) throws Exception {
        for (int done = 0; done < backlog; done += batch) {
            store.commit(changes(Math.min(batch, backlog - done)));
        }
        long readsBefore = outbox.tableReads();
        long started = System.nanoTime();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            long nanosABatch = 1_000_000_000L * batch / rate;
            long due = System.nanoTime();
            for (int done = 0; done < changes; done += batch) {
                store.commit(changes(Math.min(batch, changes - done)));
                due += nanosABatch;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        });
        int total = backlog + changes;
        int forwarded = 0;
        long cpuBefore = THREADS.getCurrentThreadCpuTime();
        while (forwarded < total) {
            List<Outbox.Entry> next = outbox.next(batch);
            if (next.isEmpty()) {
                outbox.awaitCommitAfter(outbox.commits(), 5);
                continue;
            }
            forwarded += next.size();
            outbox.acknowledge(next.get(next.size() - 1).seq());
        }
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuBefore;
        writer.get();
        return new Run(forwarded, cpu, outbox.tableReads() - readsBefore, (System.nanoTime() - started) / 1e9);
    }

    private static List<Change> changes(int count) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Change> changes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            UUID id = UUID.randomUUID();
            String body = "{\"id\":\"" + id + "\",\"program\":\"social\",\"activity\":\"client_contact\",\"office\":\"PNH\",\"date\":\"2026-10-01\","
                    + "\"subject\":{\"key\":\"0123456789abcdef0123456789abcdef\",\"sex\":\"F\",\"age\":12},\"attributes\":{\"service\":\"counselling\"}}";
            changes.add(new Change(id, 1, Change.Action.CREATE, "hash-" + id, body, null, "bench", "http", now));
        }
        return changes;
    }
}

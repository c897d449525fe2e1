package org.tonle.bench;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;

import org.tonle.host.Node;
import org.tonle.pipelines.GroupCommitWriter;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Pseudonymise;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.pipelines.Submission;
import org.tonle.pipelines.Validate;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.indicators.IndicatorCube;

/**
 * {@code bin/bench ingest-stages [RECORDS] [BATCH]}: where the bulk path's time goes, one stage at
 * a time on one thread (parse, pseudonymise, validate, load), in microseconds per record, for new
 * records and for the same records sent again. The write (de-duplication and commit) includes the indicator cube's update.
 */
public final class IngestStages {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final OperatingSystemMXBean PROCESS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        Path root = Files.createTempDirectory("tonle-bench-stages");
        byte[] ndjson = IngestBenchmark.ndjson(0, records);
        try (Node node = IngestBenchmark.node(root);
             Warehouse warehouse = Warehouse.open(root.resolve("stages.duckdb"));
             RecordStore store = new RecordStore(warehouse)) {
            store.onCommit(new IndicatorCube(warehouse));
            Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
            Validate validate = new Validate(node.registry(), node::config, p -> List.of(), Clock.systemUTC());
            int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
            GroupCommitWriter load = new GroupCommitWriter(store, new DeadLetterStore(warehouse), batch, Clock.systemUTC());
            byte[] warmUp = IngestBenchmark.ndjson(records, Math.min(records, 200_000));
            stages("warm-up (not a figure)", warmUp, batch, pseudonymise, validate, load);
            stages("new records", ndjson, batch, pseudonymise, validate, load);
            stages("the same again: all duplicates", ndjson, batch, pseudonymise, validate, load);
        } finally {
            Scratch.delete(root);
        }
    }

    private static void stages(String label, byte[] ndjson, int batch, Pseudonymise pseudonymise, Validate validate, GroupCommitWriter load)
            throws Exception {
        long parse = 0, pseudo = 0, valid = 0, loading = 0;
        // CPU time per stage, of this thread and of the process (GC included), and bytes allocated:
        // steadier than the clock on a shared machine.
        long[] cpu = new long[4];
        long[] all = new long[4];
        long[] bytes = new long[4];
        int records = 0;
        NdjsonSource source = new NdjsonSource(new ByteArrayInputStream(ndjson), Map.of());
        List<Submission> submissions = new ArrayList<>();
        long t = System.nanoTime();
        long tc = THREADS.getCurrentThreadCpuTime();
        long tp = PROCESS.getProcessCpuTime();
        long tb = THREADS.getCurrentThreadAllocatedBytes();
        for (List<Item> items; !(items = source.next(batch)).isEmpty(); ) {
            submissions.add(Submission.create("bench", "bench", null, items));
            records += items.size();
        }
        parse += System.nanoTime() - t;
        cpu[0] += THREADS.getCurrentThreadCpuTime() - tc;
        all[0] += PROCESS.getProcessCpuTime() - tp;
        bytes[0] += THREADS.getCurrentThreadAllocatedBytes() - tb;
        for (Submission s : submissions) {
            long a = System.nanoTime();
            long ac = THREADS.getCurrentThreadCpuTime();
            long ap = PROCESS.getProcessCpuTime();
            long ab = THREADS.getCurrentThreadAllocatedBytes();
            pseudonymise.process(s);
            long b = System.nanoTime();
            long bc = THREADS.getCurrentThreadCpuTime();
            long bp = PROCESS.getProcessCpuTime();
            long bb = THREADS.getCurrentThreadAllocatedBytes();
            validate.process(s);
            long c = System.nanoTime();
            long cc = THREADS.getCurrentThreadCpuTime();
            long cp = PROCESS.getProcessCpuTime();
            long cb = THREADS.getCurrentThreadAllocatedBytes();
            load.process(s);
            long d = System.nanoTime();
            long dc = THREADS.getCurrentThreadCpuTime();
            long dp = PROCESS.getProcessCpuTime();
            long db = THREADS.getCurrentThreadAllocatedBytes();
            all[1] += bp - ap;
            all[2] += cp - bp;
            all[3] += dp - cp;
            bytes[1] += bb - ab;
            bytes[2] += cb - bb;
            bytes[3] += db - cb;
            cpu[1] += bc - ac;
            cpu[2] += cc - bc;
            cpu[3] += dc - cc;
            pseudo += b - a;
            valid += c - b;
            loading += d - c;
        }
        System.out.printf("%-32s parse %5.2f  pseudonymise %5.2f  validate %5.2f  load %5.2f  us/record (batches of %d)%n", label,
                parse / 1e3 / records, pseudo / 1e3 / records, valid / 1e3 / records, loading / 1e3 / records, batch);
        System.out.printf("%-32s parse %5.2f  pseudonymise %5.2f  validate %5.2f  load %5.2f  us of this thread's CPU a record%n", "",
                cpu[0] / 1e3 / records, cpu[1] / 1e3 / records, cpu[2] / 1e3 / records, cpu[3] / 1e3 / records);
        System.out.printf("%-32s parse %5.2f  pseudonymise %5.2f  validate %5.2f  load %5.2f  us of the process's CPU a record (GC too)%n", "",
                all[0] / 1e3 / records, all[1] / 1e3 / records, all[2] / 1e3 / records, all[3] / 1e3 / records);
        System.out.printf("%-32s parse %5.0f  pseudonymise %5.0f  validate %5.0f  load %5.0f  bytes allocated a record (this thread)%n", "",
                (double) bytes[0] / records, (double) bytes[1] / records, (double) bytes[2] / records, (double) bytes[3] / records);
    }
}

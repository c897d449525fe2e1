package org.tonle.pipelines.imports;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.programme.api.PublishResult;

/**
 * Runs a {@link RecordSource} through the one ingest pipeline in batches. The caller's thread
 * reads; a few batches travel the pipeline at once on worker threads, so parsing, pseudonymising
 * and validating one batch overlaps with loading another (the loader itself is a single
 * writer). Every batch is committed before it is counted, so an interrupted import is simply
 * run again: what is stored comes back as duplicates.
 */
public final class Importer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Importer.class);

    private final Ingest ingest;
    private final int batchSize;
    private final int inFlight;
    private final ExecutorService workers;

    /**
     * Batches in flight by default. Three, not two: with pipelined commits two batches can both
     * be in the writer (one committing, the next appended), and a third is then parsed meanwhile
     * (docs/PERFORMANCE.md: 72 k against 60 k records/s, median of six runs each).
     */
    public static final int IN_FLIGHT = 3;

    public Importer(Ingest ingest, int batchSize) {
        this(ingest, batchSize, IN_FLIGHT);
    }

    public Importer(Ingest ingest, int batchSize, int inFlight) {
        this.ingest = ingest;
        this.batchSize = batchSize;
        this.inFlight = inFlight;
        this.workers = Executors.newFixedThreadPool(inFlight, r -> {
            Thread t = new Thread(r, "tonle-import");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the source to its end; returns when every batch is decided. Never throws for bad records. */
    public ImportJob run(ImportJob job, RecordSource source, String sourceName, Set<String> offices) {
        Semaphore slots = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        try (source) {
            while (failure.get() == null) {
                RecordSource.Batch batch = source.read(batchSize);
                if (batch.isEmpty()) {
                    break;
                }
                long bytes = source.bytesRead();
                slots.acquireUninterruptibly();
                running.removeIf(CompletableFuture::isDone);
                running.add(CompletableFuture.runAsync(() -> {
                    try {
                        List<Item> items = batch.items();
                        PublishResult result = ingest.submit(Submission.create(job.principal(), sourceName, offices, items));
                        job.saw(items);
                        job.add(result, batch.size(), bytes);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        slots.release();
                    }
                }, workers));
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        }
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
        Throwable t = failure.get();
        if (t != null) {
            LOG.warn("Import {} stopped: {}", job.id(), t.toString());
        }
        job.finish(t == null ? null : "the import stopped: " + t.getMessage()
                + "; records counted as accepted are stored, run the import again to continue");
        return job;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}

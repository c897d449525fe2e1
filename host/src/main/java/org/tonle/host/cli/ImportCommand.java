package org.tonle.host.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

import org.tonle.host.service.ImportService;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tonle import FILE}: streams an NDJSON, CSV or xlsx file to a running node as one import job
 * ({@code POST /api/v1/imports}), showing progress (records, records/s, ETA) while the node
 * works through it. The node commits batch by batch, so an interrupted import is simply run
 * again: records already stored come back as duplicates.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Send a file of activity records to a running node.",
                "FILE is NDJSON (.ndjson, .jsonl; one record per line), CSV (.csv) or an Excel workbook (.xlsx), the last two in the columns of docs/IMPORTING.md.",
                "With --mapping, a CSV or xlsx export of another tool (e.g. a KoboToolbox form) is read through <config>/mappings/NAME.yaml on the node."})
final class ImportCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "NDJSON, CSV or xlsx file")
    Path file;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default: ${DEFAULT-VALUE})")
    String url;

    @Mixin
    NodeTrust trust = new NodeTrust();

    @Option(names = "--mapping", paramLabel = "NAME", description = "read a CSV export through the node's mapping NAME (e.g. kobo-case-intake)")
    String mapping;

    @Option(names = "--quiet", description = "no progress line")
    boolean quiet;

    @Override
    public Integer call() {
        if (!Files.isReadable(file)) {
            System.err.println("tonle import: cannot read " + file);
            return 2;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String type = name.endsWith(".csv") ? "text/csv" : name.endsWith(".xlsx") ? ImportService.XLSX
                : name.endsWith(".ndjson") || name.endsWith(".jsonl") ? "application/x-ndjson" : null;
        if (type == null) {
            System.err.println("tonle import: " + file + " is none of .ndjson/.jsonl, .csv, .xlsx");
            return 2;
        }
        NodeClient client;
        long size;
        try {
            client = NodeClient.fromEnvironment(url, trust);
            size = Files.size(file);
        } catch (NodeClient.ClientException | IOException e) {
            System.err.println("tonle import: " + e.getMessage());
            return 2;
        }
        AtomicLong sent = new AtomicLong();
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return new Counting(Files.newInputStream(file), sent);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), size);
        long started = System.nanoTime();
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "import-progress");
            t.setDaemon(true);
            return t;
        });
        if (!quiet) {
            progress.scheduleAtFixedRate(() -> progress(client, sent.get(), size, started), 1, 1, TimeUnit.SECONDS);
        }
        JsonNode job;
        try {
            String path = "api/v1/imports" + (mapping == null ? "" : "?mapping=" + URLEncoder.encode(mapping, StandardCharsets.UTF_8));
            job = NodeClient.json(client.send("POST", path, type, body, "application/json", Duration.ofHours(12)).body());
        } catch (NodeClient.ClientException e) {
            progress.shutdownNow();
            System.err.println("\ntonle import: " + e.getMessage() + " (records the node counted as accepted are stored; run the import again to continue)");
            return 1;
        }
        progress.shutdownNow();
        if (!quiet) {
            System.err.println();
        }
        for (JsonNode r : job.path("rejections")) {
            System.err.printf("%s %d (id %s): %s [%s] %s%n", type.equals(ImportService.XLSX) ? "row" : "line", r.path("line").asInt(), r.path("id").asText("-"),
                    r.path("field").asText(), r.path("rule").asText(), r.path("reason").asText());
        }
        long rejected = job.path("rejected").asLong();
        if (rejected > job.path("rejections").size()) {
            System.err.printf("... and more: GET /api/v1/rejections lists all %d rejected records%n", rejected);
        }
        System.out.printf("%d records: %d accepted, %d duplicates, %d rejected (%.0f records/s)%n", job.path("records").asLong(),
                job.path("accepted").asLong(), job.path("duplicates").asLong(), rejected, job.path("recordsPerSecond").asDouble());
        if (!"done".equals(job.path("state").asText())) {
            System.err.println("tonle import: " + job.path("error").asText("the import did not finish"));
            return 1;
        }
        return rejected == 0 ? 0 : 3;
    }

    /** The node's own count of the running job when it can be asked, else the bytes sent. */
    private static void progress(NodeClient client, long sent, long total, long started) {
        double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
        double eta = sent >= total ? 0 : (total - sent) / Math.max(1, sent / seconds);
        long records = -1;
        double rate = 0;
        try {
            for (JsonNode job : NodeClient.json(client.send("GET", "api/v1/imports", null, (byte[]) null, "application/json").body())) {
                if ("running".equals(job.path("state").asText())) {
                    records = job.path("records").asLong();
                    rate = job.path("recordsPerSecond").asDouble();
                    break;
                }
            }
        } catch (RuntimeException ignored) {
            // progress is a courtesy; the import itself reports any failure
        }
        System.err.printf("\r%s  %3.0f%%  ETA %.0fs   ", records < 0 ? String.format("%,d bytes sent", sent)
                : String.format("%,d records  %,.0f records/s", records, rate), 100.0 * sent / Math.max(1, total), eta);
    }

    /** Counts the bytes the HTTP client has taken from the file. */
    private static final class Counting extends FilterInputStream {
        private final AtomicLong count;

        Counting(InputStream in, AtomicLong count) {
            super(in);
            this.count = count;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count.addAndGet(n);
            }
            return n;
        }
    }
}

package org.tonle.host.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tonle import FILE.ndjson}: sends a file through a running node in batches, with
 * progress. Every batch is committed before the next is sent, so an interrupted import is
 * simply run again: records already stored come back as duplicates.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Send an NDJSON file of activity records to a running node.")
final class ImportCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "NDJSON file, one record per line")
    Path file;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--batch", defaultValue = "2000", description = "records per request (default: ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (!Files.isReadable(file)) {
            System.err.println("tonle import: cannot read " + file);
            return 2;
        }
        if (!file.toString().endsWith(".ndjson") && !file.toString().endsWith(".jsonl")) {
            System.err.println("tonle import: " + file + " is not an .ndjson file");
            return 2;
        }
        NodeClient client;
        try {
            client = NodeClient.fromEnvironment(url);
        } catch (NodeClient.ClientException e) {
            System.err.println("tonle import: " + e.getMessage());
            return 2;
        }
        long totalBytes = Files.size(file);
        long sentBytes = 0;
        long started = System.nanoTime();
        int accepted = 0;
        int duplicates = 0;
        int rejected = 0;
        int offset = 0;
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); ; line = reader.readLine()) {
                if (line != null) {
                    sentBytes += line.length() + 1;
                    if (!line.isBlank()) {
                        lines.add(line);
                    }
                }
                if (lines.size() >= batch || (line == null && !lines.isEmpty())) {
                    JsonNode answer = NodeClient.json(client.send("POST", "api/v1/activities", "application/x-ndjson",
                            String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "application/json").body());
                    accepted += answer.path("accepted").asInt();
                    duplicates += answer.path("duplicates").asInt();
                    for (JsonNode r : answer.path("rejected")) {
                        rejected++;
                        System.err.printf("line %d (id %s): %s [%s] %s%n", offset + r.path("line").asInt(), r.path("id").asText("-"),
                                r.path("field").asText(), r.path("rule").asText(), r.path("reason").asText());
                    }
                    offset += lines.size();
                    lines.clear();
                    progress(offset, sentBytes, totalBytes, started);
                }
                if (line == null) {
                    break;
                }
            }
        } catch (NodeClient.ClientException e) {
            System.err.println("\ntonle import: " + e.getMessage() + " (records before line " + (offset + 1) + " are stored; run the import again to continue)");
            return 1;
        }
        System.err.println();
        System.out.printf("%d accepted, %d duplicates, %d rejected%n", accepted, duplicates, rejected);
        return rejected == 0 ? 0 : 3;
    }

    private static void progress(int records, long sent, long total, long started) {
        double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
        double rate = records / seconds;
        double eta = sent >= total ? 0 : (total - sent) / (sent / seconds);
        System.err.printf("\r%,d records  %,.0f records/s  %3.0f%%  ETA %.0fs   ", records, rate, 100.0 * sent / Math.max(1, total), eta);
    }
}

package org.tonle.host.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.programme.api.PublishResult;

/** Loads the demo NDJSON files of {@code <config>/demo} through the ingest pipeline, like any import. */
public final class DemoLoader {

    private static final ObjectMapper JSON = Json.MAPPER;

    private DemoLoader() {
    }

    public static PublishResult load(Ingest ingest, Path directory) throws IOException {
        List<Item> items = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".ndjson")).sorted().toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        items.add(Submission.item(items.size() + 1, (ObjectNode) JSON.readTree(line)));
                    }
                }
            }
        }
        return ingest.submit(Submission.create("demo", "demo", null, items));
    }
}

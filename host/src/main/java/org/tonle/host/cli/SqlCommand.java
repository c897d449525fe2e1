package org.tonle.host.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.duckdb.DuckDBConnection;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import org.tonle.core.Json;

/**
 * {@code tonle sql "SELECT ..."}: ad-hoc SQL over the analytics views of a running node. Parquet
 * is written here, on the client, from the node's Arrow stream (an in-memory DuckDB turns the
 * stream into a Parquet file), so the node never writes files for a query.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {"Run one read-only query over the analytics views of a running node (docs/ANALYTICS.md).",
                "The bearer token (analyst or admin) is read from TONLE_TOKEN."})
final class SqlCommand implements Callable<Integer> {

    enum Format { table, csv, arrow, parquet }

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final String ARROW = "application/vnd.apache.arrow.stream";
    /** SqlResource.CUT_HEADER: the node says why a CSV answer was cut. */
    private static final String CUT_HEADER = "Tonle-Answer-Cut";

    @Parameters(paramLabel = "SQL", description = "one SELECT statement, e.g. \"SELECT office, count(*) FROM activities GROUP BY office\"")
    String sql;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default: ${DEFAULT-VALUE})")
    String url;

    @Mixin
    NodeTrust trust = new NodeTrust();

    @Option(names = "--format", defaultValue = "table", description = "table, csv, arrow or parquet (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--out", description = "write the answer to this file instead of standard output (required for parquet)")
    Path out;

    @Option(names = "--limit", defaultValue = "1000", description = "at most this many rows (default: ${DEFAULT-VALUE}, at most 1000000)")
    int limit;

    @Override
    public Integer call() throws IOException {
        if (format == Format.parquet && out == null) {
            System.err.println("tonle sql: --format parquet needs --out FILE.parquet");
            return 2;
        }
        NodeClient client;
        try {
            client = NodeClient.fromEnvironment(url, trust);
        } catch (NodeClient.ClientException e) {
            System.err.println("tonle sql: " + e.getMessage());
            return 2;
        }
        byte[] body = JSON.writeValueAsBytes(Map.of("sql", sql, "limit", limit));
        try {
            switch (format) {
                case table -> {
                    JsonNode answer = NodeClient.json(client.send("POST", "api/v1/sql", "application/json", body, "application/json").body());
                    String text = table(answer);
                    write(text.getBytes(StandardCharsets.UTF_8));
                    if (answer.has("cut")) {
                        System.err.println("tonle sql: " + answer.path("cut").asText());
                    }
                }
                case csv -> {
                    var answer = client.sendForBytes("POST", "api/v1/sql", "application/json", body, "text/csv");
                    write(answer.body());
                    answer.headers().firstValue(CUT_HEADER).ifPresent(cut -> System.err.println("tonle sql: " + cut));
                }
                case arrow -> write(client.sendForBytes("POST", "api/v1/sql", "application/json", body, ARROW).body());
                case parquet -> parquet(client.sendForBytes("POST", "api/v1/sql", "application/json", body, ARROW).body(), out);
            }
        } catch (NodeClient.ClientException e) {
            System.err.println("tonle sql: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private void write(byte[] bytes) throws IOException {
        if (out == null) {
            PrintStream stdout = System.out;
            stdout.write(bytes);
            stdout.flush();
        } else {
            Files.write(out, bytes);
            System.err.println("tonle sql: wrote " + out);
        }
    }

    /** Arrow IPC stream to a Parquet file, through an in-memory DuckDB (never the node's warehouse). */
    static void parquet(byte[] arrow, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        try (RootAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(arrow), allocator);
             DuckDBConnection duckdb = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
             Statement s = duckdb.createStatement();
            ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
            Data.exportArrayStream(allocator, reader, stream);
            duckdb.registerArrowStream("answer", stream);
            s.execute("COPY (SELECT * FROM answer) TO '" + target.toString().replace("'", "''") + "' (FORMAT parquet)");
        } catch (SQLException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        System.err.println("tonle sql: wrote " + file);
    }

    /** A plain text table, columns padded to their widest value. */
    static String table(JsonNode answer) {
        List<String> columns = new ArrayList<>();
        answer.path("columns").forEach(c -> columns.add(c.asText()));
        List<List<String>> rows = new ArrayList<>();
        answer.path("rows").forEach(r -> {
            List<String> row = new ArrayList<>();
            r.forEach(v -> row.add(v.isNull() ? "NULL" : v.asText()));
            rows.add(row);
        });
        int[] widths = new int[columns.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = columns.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder text = new StringBuilder();
        line(text, columns, widths);
        for (int i = 0; i < widths.length; i++) {
            text.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
        }
        text.append('\n');
        rows.forEach(row -> line(text, row, widths));
        text.append('(').append(rows.size()).append(rows.size() == 1 ? " row" : " rows");
        if (answer.path("truncated").asBoolean()) {
            text.append(", cut at the limit; use --limit for more");
        }
        return text.append(")\n").toString();
    }

    private static void line(StringBuilder text, List<String> values, int[] widths) {
        for (int i = 0; i < widths.length; i++) {
            text.append(i == 0 ? "" : " | ").append(String.format("%-" + widths[i] + "s", values.get(i)));
        }
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == ' ') {
            end--;
        }
        text.setLength(end);
        text.append('\n');
    }
}

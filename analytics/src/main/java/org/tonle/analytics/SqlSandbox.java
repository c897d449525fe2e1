package org.tonle.analytics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.tonle.warehouse.Schema;
import org.tonle.warehouse.Sql;
import org.tonle.warehouse.Warehouse;

/**
 * Ad-hoc SQL for analysts (DESIGN.md section 2): one read-only SELECT over the analytics views.
 *
 * <p>Four walls. The DuckDB instance itself has external access disabled, may touch no folder
 * but its own spill folder, has capped memory, threads and spill space, and its configuration is
 * locked ({@link Warehouse}). Each statement is parsed by DuckDB ({@code json_serialize_sql},
 * which serialises SELECT statements only) and rebuilt from the checked tree: every table
 * reference is resolved in its own scope to a WITH query of that scope (renamed to a name only
 * the sandbox hands out) or to an analytics view (qualified with the warehouse's catalogue and
 * {@code main}); anything else, every node type and expression class not known to be harmless,
 * and every function not on the allowlist ({@code allowed-functions.txt}) is refused. What runs is
 * DuckDB's own rendering of that rewritten tree, so no name in it can mean anything else. It runs
 * on the sandbox's own few threads under a row cap, an answer byte cap and a time limit held by
 * DuckDB's interrupt and, for a call that never reaches an interrupt check, by a watchdog that
 * answers the caller anyway.
 */
public final class SqlSandbox implements AutoCloseable {

    /**
     * The public contract for SQL, documented column by column in docs/ANALYTICS.md: the views
     * the warehouse creates (migrations/analytics/VIEWS), so the two cannot drift apart.
     */
    public static final List<String> VIEWS = Schema.analyticsViews();

    /** Functions an analyst may call, from {@code allowed-functions.txt}. */
    static final Set<String> FUNCTIONS = allowedFunctions();
    /** DuckDB's TableReferenceType names that only hold other references or constants. */
    private static final Set<String> PLAIN_REFERENCES = Set.of("SUBQUERY", "JOIN", "EMPTY", "EXPRESSION_LIST", "PIVOT");
    /** Parse tree nodes with a {@code type} and no {@code class} that carry no reference of their own. */
    private static final Set<String> STRUCTURE = Set.of("ORDER_MODIFIER", "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER",
            "DISTINCT_MODIFIER", "ASCENDING", "DESCENDING", "ORDER_DEFAULT");
    /** Expression classes that cannot name a relation or a function by themselves. */
    private static final Set<String> EXPRESSIONS = Set.of("COLUMN_REF", "CONSTANT", "CAST", "OPERATOR", "COMPARISON",
            "CONJUNCTION", "CASE", "BETWEEN", "STAR", "SUBQUERY", "LAMBDA", "COLLATE", "POSITIONAL_REFERENCE", "LAMBDA_REF");
    /** How long the watchdog waits for DuckDB's interrupt before it answers the caller anyway. */
    private static final Duration GRACE = Duration.ofSeconds(1);

    /**
     * The answer of a query as plain rows.
     *
     * @param cut why the answer was cut ({@code truncated}), in words; null when it was not
     */
    public record Rows(List<String> columns, List<String> types, List<List<Object>> rows, boolean truncated, String cut) {
    }

    /**
     * @param maxAnswerBytes an answer larger than this is cut (rows) or refused (Arrow)
     * @param concurrency    analyst statements running at once; more wait their turn within the time limit
     */
    public record Limits(Duration timeout, long maxAnswerBytes, int concurrency) {
        public Limits {
            maxAnswerBytes = maxAnswerBytes <= 0 ? 64L << 20 : maxAnswerBytes;
            concurrency = Math.max(1, concurrency);
        }
    }

    private final Warehouse warehouse;
    private final Limits limits;
    private final String catalog;
    private final ScheduledExecutorService canceller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sql-timeout");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService workers;
    /** DuckDB's parser and renderer on an instance of their own (no warehouse connection per check). */
    private final SqlParser parser = new SqlParser();
    /** Statements already checked, by their exact text, with what runs for them (refusals are not kept). */
    private final CheckedStatements checked = new CheckedStatements();

    public SqlSandbox(Warehouse warehouse, Duration timeout) {
        this(warehouse, new Limits(timeout, 0, 2));
    }

    public SqlSandbox(Warehouse warehouse, Limits limits) {
        this.warehouse = warehouse;
        this.limits = limits;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(limits.concurrency(), r -> {
            Thread t = new Thread(r, "sql-query-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            this.catalog = rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot name the warehouse catalogue: " + e.getMessage(), e);
        }
    }

    public Duration timeout() {
        return limits.timeout();
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Checks a statement and returns the SQL that will run for it (DuckDB's own rendering of the
     * checked and rewritten tree); refuses anything that is not one SELECT over the analytics views.
     */
    public String check(String sql) {
        if (sql == null || sql.isBlank()) {
            throw new SqlRefusedException("send a SELECT statement in \"sql\"");
        }
        String known = checked.get(sql);
        if (known != null) {
            return known;
        }
        try {
            JsonNode parsed = parser.serialise(sql);
            if (parsed.path("error").asBoolean(true)) {
                String message = parsed.path("error_message").asText("");
                if (message.contains("Only SELECT")) {
                    throw new SqlRefusedException("only read-only SELECT queries over the analytics views are allowed"
                            + " (no INSERT, UPDATE, DELETE, CREATE, ATTACH, COPY, INSTALL, LOAD, SET, PRAGMA, ...)");
                }
                throw new SqlRefusedException("the statement is not valid SQL: " + firstLine(message));
            }
            JsonNode statements = parsed.path("statements");
            if (statements.size() != 1) {
                throw new SqlRefusedException("send exactly one statement; this text holds " + statements.size());
            }
            new Resolver(catalog).statement(statements.get(0));
            String rendered = parser.deserialise(parsed);
            checked.put(sql, rendered);
            return rendered;
        } catch (SQLException e) {
            throw new SqlRefusedException("the statement cannot be checked: " + firstLine(e.getMessage()));
        }
    }

    /**
     * Walks one statement's tree with the WITH queries visible at each point, and rewrites every
     * table reference to what it was resolved to. DuckDB's scoping: a WITH query is visible in
     * the query that declares it (every branch of a set operation, every nested subquery, lateral
     * joins, pivots) and in the WITH queries declared after it; a recursive one also in its own
     * recursive branch; one declared inside a subquery is not visible outside it. Where this
     * model is narrower than DuckDB's, a query is refused, never widened: a renamed WITH query
     * that DuckDB would not see where the model put it fails to bind, it cannot mean a table.
     */
    private static final class Resolver {
        private final String catalog;
        private int ctes;

        Resolver(String catalog) {
            this.catalog = catalog;
        }

        void statement(JsonNode statement) {
            JsonNode node = statement.path("node");
            if (!node.isObject()) {
                throw new SqlRefusedException("only read-only SELECT queries over the analytics views are allowed");
            }
            walk(statement, Map.of());
        }

        private void walk(JsonNode node, Map<String, String> scope) {
            if (node.isArray()) {
                node.forEach(child -> walk(child, scope));
                return;
            }
            if (!node.isObject()) {
                return;
            }
            ObjectNode object = (ObjectNode) node;
            if (object.has("class")) {
                expression(object, scope);
                return;
            }
            JsonNode type = object.get("type");
            if (type != null && type.isTextual()) {
                String t = type.asText();
                if (t.endsWith("_NODE")) {
                    query(object, scope);
                } else if ("BASE_TABLE".equals(t)) {
                    table(object, scope);
                } else if (PLAIN_REFERENCES.contains(t) || STRUCTURE.contains(t) || t.endsWith("_TYPE_INFO")) {
                    children(object, scope);
                } else {
                    throw refusedReference(t);
                }
                return;
            }
            children(object, scope);
        }

        private void children(ObjectNode object, Map<String, String> scope) {
            object.properties().forEach(e -> walk(e.getValue(), scope));
        }

        /**
         * A query node: its WITH queries first, each in the scope of those before it, then the
         * rest of the node with all of them.
         */
        private void query(ObjectNode node, Map<String, String> outer) {
            String type = node.path("type").asText();
            if (!"SELECT_NODE".equals(type) && !"SET_OPERATION_NODE".equals(type)) {
                throw refusedReference(type);
            }
            Map<String, String> scope = new HashMap<>(outer);
            Set<String> declared = new HashSet<>();
            for (JsonNode entry : node.path("cte_map").path("map")) {
                String name = entry.path("key").asText().toLowerCase(Locale.ROOT);
                JsonNode query = entry.path("value").path("query");
                if (name.isEmpty() || !query.path("node").isObject()) {
                    throw refusedReference("WITH");
                }
                if (!declared.add(name)) {
                    throw new SqlRefusedException("two WITH queries are named " + name);
                }
                String renamed = "tonle_cte_" + (++ctes);
                ObjectNode body = (ObjectNode) query.path("node");
                if ("RECURSIVE_CTE_NODE".equals(body.path("type").asText())) {
                    recursive(body, scope, name, renamed);
                    walk(entry.path("value").path("key_targets"), with(scope, name, renamed));
                } else {
                    walk(query, scope);
                }
                scope.put(name, renamed);
                ((ObjectNode) entry).put("key", renamed);
            }
            node.properties().forEach(e -> {
                if (!"cte_map".equals(e.getKey())) {
                    walk(e.getValue(), scope);
                }
            });
        }

        /** A recursive WITH query's body: the anchor does not see the query itself, the recursive branch does. */
        private void recursive(ObjectNode body, Map<String, String> scope, String name, String renamed) {
            if (!body.path("cte_name").asText().equalsIgnoreCase(name) || !body.path("cte_map").path("map").isEmpty()) {
                throw refusedReference("RECURSIVE_CTE_NODE");
            }
            body.put("cte_name", renamed);
            Map<String, String> inner = with(scope, name, renamed);
            body.properties().forEach(e -> {
                switch (e.getKey()) {
                    case "cte_map" -> { }
                    case "left" -> walk(e.getValue(), scope);
                    default -> walk(e.getValue(), inner);
                }
            });
        }

        private static Map<String, String> with(Map<String, String> scope, String name, String renamed) {
            Map<String, String> inner = new HashMap<>(scope);
            inner.put(name, renamed);
            return inner;
        }

        private void table(ObjectNode table, Map<String, String> scope) {
            String name = table.path("table_name").asText();
            String lower = name.toLowerCase(Locale.ROOT);
            String schema = table.path("schema_name").asText("").toLowerCase(Locale.ROOT);
            String catalogName = table.path("catalog_name").asText("");
            if (!table.path("at_clause").isNull() && !table.path("at_clause").isMissingNode()) {
                throw new SqlRefusedException("AT (time travel) is not allowed in ad-hoc SQL");
            }
            walk(table.path("sample"), scope);
            if (catalogName.isEmpty() && schema.isEmpty() && scope.containsKey(lower)) {
                table.put("table_name", scope.get(lower));
                if (table.path("alias").asText("").isEmpty()) {
                    table.put("alias", name);
                }
                return;
            }
            if (catalogName.isEmpty() && (schema.isEmpty() || schema.equals("main")) && VIEWS.contains(lower)) {
                table.put("catalog_name", catalog);
                table.put("schema_name", "main");
                table.put("table_name", lower);
                if (table.path("alias").asText("").isEmpty()) {
                    table.put("alias", name);
                }
                return;
            }
            String shown = (catalogName.isEmpty() ? "" : catalogName + ".") + (schema.isEmpty() ? "" : schema + ".") + name;
            throw new SqlRefusedException("\"" + shown + "\" is not an analytics view; ad-hoc SQL may read only "
                    + String.join(", ", VIEWS) + " (files, raw tables, the audit log and settings are out of reach)");
        }

        private void expression(ObjectNode expression, Map<String, String> scope) {
            String kind = expression.path("class").asText();
            if ("FUNCTION".equals(kind) || "WINDOW".equals(kind)) {
                String name = expression.path("function_name").asText().toLowerCase(Locale.ROOT);
                // DuckDB itself qualifies some (list_value of [1, 2] is main.list_value); no catalogue, no other schema.
                String schema = expression.path("schema").asText("").toLowerCase(Locale.ROOT);
                boolean qualified = !(schema.isEmpty() || schema.equals("main")) || !expression.path("catalog").asText("").isEmpty();
                if (qualified || !FUNCTIONS.contains(name)) {
                    throw new SqlRefusedException("the function " + (qualified ? expression.path("schema").asText("") + "." : "")
                            + name + " is not allowed in ad-hoc SQL (docs/ANALYTICS.md lists the functions that are)");
                }
            } else if (!EXPRESSIONS.contains(kind)) {
                throw new SqlRefusedException(kind.toLowerCase(Locale.ROOT).replace('_', ' ') + " expressions are not allowed in ad-hoc SQL");
            }
            children(expression, scope);
        }

        private static SqlRefusedException refusedReference(String type) {
            return new SqlRefusedException(switch (type) {
                case "TABLE_FUNCTION" -> "table functions (read_csv, read_parquet, range, duckdb_settings, ...) are not"
                        + " allowed; query the analytics views: " + String.join(", ", VIEWS);
                case "SHOW_REF" -> "DESCRIBE, SHOW and SUMMARIZE are not allowed; docs/ANALYTICS.md lists every column";
                default -> type.toLowerCase(Locale.ROOT).replace('_', ' ') + " is not allowed in ad-hoc SQL";
            });
        }
    }

    private static Set<String> allowedFunctions() {
        try (InputStream in = SqlSandbox.class.getResourceAsStream("allowed-functions.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing allowed-functions.txt");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toUnmodifiableSet());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read allowed-functions.txt", e);
        }
    }

    /**
     * Runs a checked statement and returns at most {@code limit} rows as Java values, cut
     * (saying so in {@link Rows#cut()}) at the row limit or the answer byte cap.
     */
    public Rows rows(String sql, int limit) {
        return run(check(sql), limit + 1L, statement -> {
            try (ResultSet rs = statement.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<String> columns = new ArrayList<>();
                List<String> types = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnLabel(i));
                    types.add(meta.getColumnTypeName(i));
                }
                List<List<Object>> rows = new ArrayList<>();
                String cut = null;
                long bytes = 0;
                while (rs.next()) {
                    if (rows.size() == limit) {
                        cut = "the answer was cut at the row limit of " + limit;
                        break;
                    }
                    List<Object> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        Object value = plain(rs.getObject(i));
                        bytes += value instanceof String text ? text.length() : 8;
                        row.add(value);
                    }
                    if (bytes > limits.maxAnswerBytes()) {
                        cut = "the answer was cut after " + rows.size() + " rows at the answer size cap of "
                                + megabytes(limits.maxAnswerBytes()) + " (sql.max_answer_bytes)";
                        break;
                    }
                    rows.add(row);
                }
                return new Rows(columns, types, rows, cut != null, cut);
            }
        });
    }

    /**
     * Runs a checked statement and returns its answer of at most {@code limit} rows as an Arrow
     * IPC stream; an answer past the byte cap is refused, saying so (a stream cannot say it was
     * cut). {@code limit} 0 gives the columns only (DuckDB then skips the work).
     */
    public byte[] arrow(String sql, int limit, BufferAllocator allocator) {
        return run(check(sql), limit, statement -> {
            DuckDBResultSet rs = (DuckDBResultSet) statement.executeQuery();
            CappedBytes out = new CappedBytes(limits.maxAnswerBytes());
            try (rs; ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, 4096);
                 ArrowStreamWriter writer = new ArrowStreamWriter(reader.getVectorSchemaRoot(), null, Channels.newChannel(out))) {
                writer.start();
                while (reader.loadNextBatch()) {
                    writer.writeBatch();
                }
                writer.end();
            } catch (CappedBytes.TooLarge e) {
                throw new SqlRefusedException("the answer is larger than the answer size cap of " + megabytes(limits.maxAnswerBytes())
                        + " (sql.max_answer_bytes) and was refused; ask for fewer rows or columns, or aggregate");
            }
            return out.toByteArray();
        });
    }

    private interface Work<T> {
        T run(PreparedStatement statement) throws SQLException, IOException;
    }

    /**
     * Runs a statement on the sandbox's own threads under the time limit. At the deadline DuckDB
     * is interrupted; a call that reaches no interrupt check (one slow scalar over a huge value)
     * keeps its thread until it returns, but the caller is answered a moment later all the same,
     * and its connection is closed when it ends.
     */
    private <T> T run(String checked, long cap, Work<T> work) {
        AtomicReference<PreparedStatement> running = new AtomicReference<>();
        AtomicBoolean timedOut = new AtomicBoolean();
        String text = Sql.load("sql/sandbox-capped.sql").replace("${query}", checked).replace("${cap}", Long.toString(Math.max(0, cap)));
        Future<T> result = workers.submit(() -> {
            try (DuckDBConnection c = warehouse.connect(); PreparedStatement statement = c.prepareStatement(text)) {
                running.set(statement);
                if (timedOut.get()) {
                    throw new SQLException("INTERRUPT: past the deadline before it started");
                }
                return work.run(statement);
            }
        });
        ScheduledFuture<?> deadline = canceller.schedule(() -> {
            timedOut.set(true);
            PreparedStatement statement = running.get();
            if (statement != null) {
                try {
                    statement.cancel();
                } catch (SQLException | RuntimeException e) {
                    // already finished
                }
            }
        }, limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            return result.get(limits.timeout().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            timedOut.set(true);
            result.cancel(false);
            throw timedOut();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (timedOut.get()) {
                throw timedOut();
            }
            if (cause instanceof SqlRefusedException refused) {
                throw refused;
            }
            throw new SqlRefusedException("the query failed: " + firstLine(String.valueOf(cause.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.cancel(false);
            throw new SqlRefusedException("the query was interrupted");
        } finally {
            deadline.cancel(false);
        }
    }

    private SqlRefusedException timedOut() {
        return new SqlRefusedException("the query ran longer than " + limits.timeout().toSeconds()
                + " s and was cancelled; filter or aggregate more, or ask for fewer rows", true);
    }

    private static String megabytes(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MB" : bytes + " bytes";
    }

    /** An in-memory stream that refuses to grow past its cap. */
    private static final class CappedBytes extends ByteArrayOutputStream {
        static final class TooLarge extends RuntimeException {
            TooLarge() {
                super("answer too large");
            }
        }

        private final long cap;

        CappedBytes(long cap) {
            this.cap = cap;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (count + (long) len > cap) {
                throw new TooLarge();
            }
            super.write(b, off, len);
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    /** JSON-friendly values: numbers and booleans as they are, everything else as text. */
    private static Object plain(Object value) {
        if (value == null || value instanceof Number || value instanceof Boolean || value instanceof String) {
            return value;
        }
        return value.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.lines().filter(l -> !l.isBlank()).findFirst().orElse(message).strip();
        return line;
    }

    @Override
    public void close() {
        workers.shutdownNow();
        canceller.shutdownNow();
        parser.close();
    }
}

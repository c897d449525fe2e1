package org.tonle.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.tonle.core.Json;
import org.tonle.warehouse.Schema;
import org.tonle.warehouse.Sql;
import org.tonle.warehouse.Warehouse;

/**
 * Ad-hoc SQL for analysts (DESIGN.md section 2): one read-only SELECT over the analytics views.
 *
 * <p>Three walls. The DuckDB instance itself has external access disabled and its configuration
 * locked ({@link Warehouse}), so no statement reaches a file outside the data directory or the
 * network. Each statement is parsed by DuckDB ({@code json_serialize_sql}, which serialises
 * SELECT statements only) and every relation and function it names is checked on that tree
 * against the analytics views; no regular expression decides anything. The statement that runs
 * is the one DuckDB rebuilt from the checked tree, wrapped in a row cap, and it is cancelled
 * from another thread when it runs past the time limit.
 */
public final class SqlSandbox implements AutoCloseable {

    /**
     * The public contract for SQL, documented column by column in docs/ANALYTICS.md: the views
     * the warehouse creates (migrations/analytics/VIEWS), so the two cannot drift apart.
     */
    public static final List<String> VIEWS = Schema.analyticsViews();

    /** DuckDB's TableReferenceType names, as they appear in the serialised tree. */
    private static final Set<String> TABLE_REFERENCES = Set.of("BASE_TABLE", "SUBQUERY", "JOIN", "TABLE_FUNCTION",
            "EXPRESSION_LIST", "CTE", "EMPTY", "PIVOT", "SHOW_REF", "COLUMN_DATA", "DELIM_GET", "BOUND_TABLE_REF", "INVALID");
    private static final Set<String> ALLOWED_REFERENCES = Set.of("BASE_TABLE", "SUBQUERY", "JOIN", "EMPTY", "EXPRESSION_LIST");
    /** Scalar functions that change state or reveal the node's configuration. */
    private static final Set<String> REFUSED_FUNCTIONS = Set.of("nextval", "currval", "setseed", "current_setting",
            "getenv", "which_secret", "current_query", "json_execute_serialized_sql", "query", "query_table");
    private static final ObjectMapper JSON = Json.MAPPER;

    /** The answer of a query as plain rows. */
    public record Rows(List<String> columns, List<String> types, List<List<Object>> rows, boolean truncated) {
    }

    private final Warehouse warehouse;
    private final Duration timeout;
    private final ScheduledExecutorService canceller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sql-timeout");
        t.setDaemon(true);
        return t;
    });

    public SqlSandbox(Warehouse warehouse, Duration timeout) {
        this.warehouse = warehouse;
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Checks a statement and returns the SQL that will run for it (DuckDB's own rendering of the
     * checked tree); refuses anything that is not one SELECT over the analytics views.
     */
    public String check(String sql) {
        if (sql == null || sql.isBlank()) {
            throw new SqlRefusedException("send a SELECT statement in \"sql\"");
        }
        try (Connection c = warehouse.connect()) {
            JsonNode parsed = serialise(c, sql);
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
            Set<String> ctes = new HashSet<>();
            collectCtes(statements, ctes);
            Set<String> relations = ctes.isEmpty() ? Set.of() : relationNames(c);
            for (String cte : ctes) {
                if (relations.contains(cte) && !VIEWS.contains(cte)) {
                    throw new SqlRefusedException("a WITH query may not be named like a table of the warehouse: " + cte);
                }
            }
            checkNode(statements, ctes);
            return deserialise(c, parsed);
        } catch (SQLException e) {
            throw new SqlRefusedException("the statement cannot be checked: " + firstLine(e.getMessage()));
        }
    }

    private static JsonNode serialise(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return JSON.readTree(rs.getString(1));
            } catch (java.io.IOException e) {
                throw new SQLException("unreadable parse tree", e);
            }
        }
    }

    private static String deserialise(Connection c, JsonNode parsed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT json_deserialize_sql(?::JSON)")) {
            ps.setString(1, parsed.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1).strip();
            }
        }
    }

    /** Every table and view name of the database, system views included, lower case. */
    private static Set<String> relationNames(Connection c) throws SQLException {
        Set<String> names = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()")) {
            while (rs.next()) {
                names.add(rs.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static void collectCtes(JsonNode node, Set<String> ctes) {
        if (node.isObject()) {
            for (JsonNode entry : node.path("cte_map").path("map")) {
                ctes.add(entry.path("key").asText().toLowerCase(Locale.ROOT));
            }
        }
        node.forEach(child -> collectCtes(child, ctes));
    }

    private static void checkNode(JsonNode node, Set<String> ctes) {
        if (node.isObject()) {
            String type = node.path("type").isTextual() ? node.path("type").asText() : "";
            if (node.has("class")) {
                if ("FUNCTION".equals(node.path("class").asText())) {
                    checkFunction(node);
                }
            } else if (TABLE_REFERENCES.contains(type)) {
                if (!ALLOWED_REFERENCES.contains(type)) {
                    throw new SqlRefusedException(switch (type) {
                        case "TABLE_FUNCTION" -> "table functions (read_csv, read_parquet, range, duckdb_settings, ...) are not"
                                + " allowed; query the analytics views: " + String.join(", ", VIEWS);
                        case "SHOW_REF" -> "DESCRIBE, SHOW and SUMMARIZE are not allowed; docs/ANALYTICS.md lists every column";
                        default -> type.toLowerCase(Locale.ROOT).replace('_', ' ') + " is not allowed in ad-hoc SQL";
                    });
                }
                if ("BASE_TABLE".equals(type)) {
                    checkRelation(node, ctes);
                }
            }
        }
        node.forEach(child -> checkNode(child, ctes));
    }

    private static void checkRelation(JsonNode table, Set<String> ctes) {
        String name = table.path("table_name").asText().toLowerCase(Locale.ROOT);
        String schema = table.path("schema_name").asText().toLowerCase(Locale.ROOT);
        String catalog = table.path("catalog_name").asText();
        boolean unqualified = catalog.isEmpty() && schema.isEmpty();
        if (unqualified && ctes.contains(name)) {
            return;
        }
        if (!catalog.isEmpty() || !(schema.isEmpty() || schema.equals("main")) || !VIEWS.contains(name)) {
            String shown = (catalog.isEmpty() ? "" : catalog + ".") + (schema.isEmpty() ? "" : schema + ".") + table.path("table_name").asText();
            throw new SqlRefusedException("\"" + shown + "\" is not an analytics view; ad-hoc SQL may read only "
                    + String.join(", ", VIEWS) + " (files, raw tables, the audit log and settings are out of reach)");
        }
    }

    private static void checkFunction(JsonNode function) {
        String name = function.path("function_name").asText().toLowerCase(Locale.ROOT);
        String schema = function.path("schema").asText("").toLowerCase(Locale.ROOT);
        if (REFUSED_FUNCTIONS.contains(name) || name.startsWith("duckdb_") || name.startsWith("pragma_") || name.contains("secret")
                || !(schema.isEmpty() || schema.equals("main"))) {
            throw new SqlRefusedException("the function " + name + " is not allowed in ad-hoc SQL (it changes state or"
                    + " reveals the node's configuration)");
        }
    }

    /** Runs a checked statement and returns at most {@code limit} rows as Java values. */
    public Rows rows(String sql, int limit) {
        String checked = check(sql);
        try (Running running = start(checked, limit + 1)) {
            try (ResultSet rs = running.statement.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<String> columns = new ArrayList<>();
                List<String> types = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnLabel(i));
                    types.add(meta.getColumnTypeName(i));
                }
                List<List<Object>> rows = new ArrayList<>();
                boolean truncated = false;
                while (rs.next()) {
                    if (rows.size() == limit) {
                        truncated = true;
                        break;
                    }
                    List<Object> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        row.add(plain(rs.getObject(i)));
                    }
                    rows.add(row);
                }
                return new Rows(columns, types, rows, truncated);
            } catch (SQLException e) {
                throw running.failure(e);
            }
        }
    }

    /**
     * Runs a checked statement as an Arrow stream of at most {@code limit} rows. Close the
     * returned query after reading; the time limit covers reading too.
     */
    public ArrowQuery arrow(String sql, int limit, BufferAllocator allocator) {
        Running running = start(check(sql), limit);
        try {
            DuckDBResultSet rs = (DuckDBResultSet) running.statement.executeQuery();
            return new ArrowQuery((ArrowReader) rs.arrowExportStream(allocator, 4096), running);
        } catch (SQLException e) {
            running.close();
            throw running.failure(e);
        } catch (RuntimeException e) {
            running.close();
            throw e;
        }
    }

    /** A running Arrow answer. */
    public static final class ArrowQuery implements AutoCloseable {
        private final ArrowReader reader;
        private final Running running;

        private ArrowQuery(ArrowReader reader, Running running) {
            this.reader = reader;
            this.running = running;
        }

        public ArrowReader reader() {
            return reader;
        }

        /** Loads the next batch, turning a cancellation into a clear refusal. */
        public boolean next() {
            try {
                return reader.loadNextBatch();
            } catch (java.io.IOException | RuntimeException e) {
                throw running.failure(e);
            }
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (java.io.IOException | RuntimeException e) {
                // the stream may already be gone after a cancellation; the connection closes below
            }
            running.close();
        }
    }

    private Running start(String checked, long cap) {
        DuckDBConnection c = warehouse.connect();
        try {
            PreparedStatement statement = c.prepareStatement(Sql.load("sql/sandbox-capped.sql").replace("${query}", checked)
                    .replace("${cap}", Long.toString(Math.max(0, cap))));
            return new Running(c, statement);
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing ran
            }
            throw new SqlRefusedException("the query failed: " + firstLine(e.getMessage()));
        }
    }

    /** One statement under the time limit: cancelled from the canceller thread when due. */
    private final class Running implements AutoCloseable {
        private final DuckDBConnection connection;
        private final PreparedStatement statement;
        private final AtomicBoolean timedOut = new AtomicBoolean();
        private final ScheduledFuture<?> deadline;

        Running(DuckDBConnection connection, PreparedStatement statement) {
            this.connection = connection;
            this.statement = statement;
            this.deadline = canceller.schedule(() -> {
                timedOut.set(true);
                try {
                    statement.cancel();
                } catch (SQLException | RuntimeException e) {
                    // already finished
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        SqlRefusedException failure(Exception e) {
            if (timedOut.get()) {
                return new SqlRefusedException("the query ran longer than " + timeout.toSeconds()
                        + " s and was cancelled; filter or aggregate more, or ask for fewer rows", true);
            }
            return new SqlRefusedException("the query failed: " + firstLine(String.valueOf(e.getMessage())));
        }

        @Override
        public void close() {
            deadline.cancel(false);
            try {
                statement.close();
            } catch (SQLException e) {
                // closing after a cancellation
            }
            try {
                connection.close();
            } catch (SQLException e) {
                // closing after a cancellation
            }
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
        canceller.shutdownNow();
    }
}

package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import org.tonle.warehouse.Warehouse;

/**
 * Generated statements mixing the views, WITH queries (recursive too) in nested scopes,
 * subqueries, lateral joins and set operations, with names that are views in one place and
 * raw tables, other catalogues or real files holding a secret in another, quoted and cased
 * every way. The property: whatever the sandbox accepts names, once rewritten, only the
 * qualified views and WITH queries the sandbox itself named; and when it runs it touches no
 * file and answers nothing of the secret. Bounded: a few hundred tries, a few seconds.
 */
class SqlSandboxPropertyTest {

    private static final String SECRET = "RAW-CASE-4711";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path dir;
    private static Warehouse warehouse;
    private static SqlSandbox sandbox;
    private static Path secretFile;

    @BeforeContainer
    static void open() throws Exception {
        dir = Files.createTempDirectory("tonle-sandbox-property");
        warehouse = Warehouse.open(dir.resolve("data/tonle.duckdb"));
        sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(Duration.ofSeconds(5), 1 << 20, 2));
        secretFile = Files.createDirectories(dir.resolve("data/intake/hotline/.failed")).resolve("f.csv");
        Files.writeString(secretFile, "x\n" + SECRET + "\n");
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO node_setting VALUES ('secret', '" + SECRET + "')");
            s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh')");
        }
    }

    @AfterContainer
    static void close() throws Exception {
        sandbox.close();
        warehouse.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
    void anAcceptedStatementReadsOnlyViewsAndItsOwnWithQueries(@ForAll("statements") String sql) throws Exception {
        // The generator must produce enough statements the sandbox accepts for the property to say much.
        Statistics.label("checked").coverage(c -> c.check("accepted").percentage(p -> p >= 10));
        String checked;
        try {
            checked = sandbox.check(sql);
        } catch (SqlRefusedException refused) {
            Statistics.label("checked").collect("refused");
            return;
        }
        Statistics.label("checked").collect("accepted");
        for (JsonNode table : tables(checked)) {
            String catalog = table.path("catalog_name").asText();
            String schema = table.path("schema_name").asText();
            String name = table.path("table_name").asText();
            boolean view = catalog.equals("tonle") && schema.equals("main") && SqlSandbox.VIEWS.contains(name);
            boolean with = catalog.isEmpty() && schema.isEmpty() && name.matches("tonle_cte_\\d+");
            assertThat(view || with).as(sql + " -> " + checked + " names " + catalog + "." + schema + "." + name).isTrue();
        }
        try {
            for (List<Object> row : sandbox.rows(sql, 50).rows()) {
                assertThat(row.toString()).as(sql).doesNotContain(SECRET);
            }
            Statistics.label("ran").collect("answered");
        } catch (SqlRefusedException failed) {
            // Binding may fail (a union of different widths, a duplicate alias); never for a file.
            assertThat(failed.getMessage().toLowerCase(Locale.ROOT)).as(sql)
                    .doesNotContain("disabled by configuration", "io error", "no files found", "permission", "tonle_cte");
            Statistics.label("ran").collect("failed to bind");
        }
    }

    /** Every table reference of a statement, from DuckDB's own parse of it. */
    private static List<JsonNode> tables(String sql) throws Exception {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                List<JsonNode> tables = new ArrayList<>();
                collect(JSON.readTree(rs.getString(1)), tables);
                return tables;
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> tables) {
        if (node.isObject() && "BASE_TABLE".equals(node.path("type").asText()) && !node.has("class")) {
            tables.add(node);
        }
        node.forEach(child -> collect(child, tables));
    }

    // ---- the generator ----

    /** Names that are views, WITH queries, raw tables, other catalogues and files, spelt every way. */
    private static Arbitrary<String> names() {
        String file = secretFile.toString();
        Arbitrary<String> views = Arbitraries.of("activities", "\"Offices\"", "main.calendar", "MAIN.\"programmes\"", "offices");
        Arbitrary<String> withNames = Arbitraries.of("a", "\"A\"", "b", "\"" + file + "\"", "audit_log");
        return Arbitraries.frequencyOf(Tuple.of(24, views), Tuple.of(4, withNames), Tuple.of(1, Arbitraries.of("offices_x",
                "audit_log", "\"node_setting\"", "main.node_setting", "record_version",
                "\"" + file + "\"", "'" + file + "'", "'" + secretFile.getParent() + "/*.csv'", "\"data/intake/hotline/.failed/f.csv\"",
                "memory.main.a", "tonle.main.node_setting", "temp.main.a", "system.main.duckdb_tables",
                "information_schema.tables", "pg_catalog.pg_class", "main.a", "tonle_cte_1")));
    }

    /** Names a WITH query may be given: the same pool, unqualified. */
    private static Arbitrary<String> withNames() {
        String file = secretFile.toString();
        return Arbitraries.of("a", "\"A\"", "b", "offices", "\"Offices\"", "audit_log", "node_setting", "tonle_cte_1",
                "\"" + file + "\"", "\"data/intake/hotline/.failed/f.csv\"");
    }

    @Provide
    Arbitrary<String> statements() {
        return statement(2);
    }

    private Arbitrary<String> statement(int depth) {
        Arbitrary<String> core = core(depth);
        if (depth == 0) {
            return core;
        }
        Arbitrary<String> with = Arbitraries.oneOf(withQuery(depth), recursive()).list().ofMaxSize(2)
                .map(list -> list.isEmpty() ? "" : "WITH " + (list.stream().anyMatch(w -> w.contains(" UNION ALL SELECT x + 1")) ? "RECURSIVE " : "")
                        + String.join(", ", list) + " ");
        Arbitrary<String> setOperation = Arbitraries.oneOf(Arbitraries.just(""), core(depth - 1).map(c -> " UNION ALL " + c),
                core(depth - 1).map(c -> " EXCEPT " + c));
        return Combinators.combine(with, core, setOperation).as((w, c, s) -> w + c + s);
    }

    private Arbitrary<String> withQuery(int depth) {
        return Combinators.combine(withNames(), Arbitraries.lazy(() -> statement(depth - 1))).as((n, q) -> n + " AS (" + q + ")");
    }

    private Arbitrary<String> recursive() {
        return Combinators.combine(withNames(), names()).as((n, source) ->
                n + "(x) AS (SELECT 1 FROM " + source + " UNION ALL SELECT x + 1 FROM " + n + " WHERE x < 3)");
    }

    private Arbitrary<String> core(int depth) {
        Arbitrary<String> source = depth == 0 ? names() : Arbitraries.oneOf(names(), names(),
                Arbitraries.lazy(() -> statement(depth - 1)).map(q -> "(" + q + ")"),
                Arbitraries.lazy(() -> statement(depth - 1)).map(q -> "LATERAL (" + q + ")"));
        Arbitrary<String> from = source.list().ofMinSize(1).ofMaxSize(2).map(list -> {
            List<String> aliased = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                aliased.add(list.get(i) + " AS t" + depth + "_" + i);
            }
            return String.join(", ", aliased);
        });
        Arbitrary<String> where = depth == 0 ? Arbitraries.just("") : Arbitraries.oneOf(Arbitraries.just(""),
                Arbitraries.lazy(() -> statement(depth - 1)).map(q -> " WHERE EXISTS (" + q + ")"),
                Arbitraries.lazy(() -> statement(depth - 1)).map(q -> " WHERE 1 IN (" + q + ")"));
        return Combinators.combine(from, where).as((f, w) -> "SELECT 1 AS x FROM " + f + w);
    }
}

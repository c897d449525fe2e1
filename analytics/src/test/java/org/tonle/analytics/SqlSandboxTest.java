package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tonle.core.config.Settings;
import org.tonle.warehouse.Warehouse;

/**
 * The sandbox's scope resolution and function allowlist on a real warehouse: what analysts
 * write keeps working, and a name that is a WITH query in one scope and a file or a table in
 * another is refused where it is not a WITH query, however it is spelt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlSandboxTest {

    Path dir;
    Warehouse warehouse;
    SqlSandbox sandbox;
    Path secret;

    @BeforeAll
    void open(@TempDir Path dir) throws Exception {
        this.dir = dir;
        Path data = dir.resolve("data");
        warehouse = Warehouse.open(data.resolve("tonle.duckdb"));
        sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(Duration.ofSeconds(5), 1 << 20, 2));
        secret = Files.createDirectories(data.resolve("intake/hotline/.failed")).resolve("f.csv");
        Files.writeString(secret, "case_code\nRAW-CASE-4711\n");
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO dim_office VALUES ('PNH', 'Phnom Penh'), ('SRP', 'Siem Reap')");
        }
    }

    @AfterAll
    void close() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (warehouse != null) {
            warehouse.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT code, name FROM offices ORDER BY code",
            "SELECT * FROM main.offices",
            "SELECT * FROM \"Offices\"",
            "WITH o AS (SELECT * FROM offices) SELECT o.code FROM o",
            "WITH offices AS (SELECT * FROM offices WHERE code = 'PNH') SELECT * FROM offices",
            "WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS x FROM a) SELECT * FROM b",
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t WHERE t.n < 5) SELECT sum(n) FROM t",
            "WITH o AS (SELECT code FROM offices) SELECT * FROM o UNION ALL SELECT * FROM o",
            "SELECT * FROM (WITH z AS (SELECT 1 AS one) SELECT * FROM z) q",
            "WITH x AS (SELECT 1 AS a) SELECT (SELECT max(a) FROM x), (SELECT count(*) FROM (SELECT * FROM x))",
            "SELECT o.code, l.n FROM offices o, LATERAL (SELECT length(o.name) AS n) l",
            "SELECT * FROM offices PIVOT (count(*) FOR code IN ('PNH', 'SRP'))",
            "SELECT code, row_number() OVER (ORDER BY code DESC) FROM offices",
            "SELECT list_transform([1, 2, 3], x -> x * 2), [1, 2][1], {'a': 1}.a, 'x' || 'y', 'ab' LIKE 'a%'",
            "SELECT CAST(count(*) AS DOUBLE), date_trunc('month', DATE '2015-08-09'), coalesce(NULL, 1) FROM offices",
            "SELECT month, count(*) FROM calendar WHERE date BETWEEN DATE '2015-01-01' AND DATE '2015-12-31' GROUP BY ALL ORDER BY ALL",
            "VALUES (1, 'a'), (2, 'b')",
            "SELECT office, count(DISTINCT subject_key) FROM activities GROUP BY office HAVING count(*) > 0"})
    void analystsQueriesPass(String sql) {
        sandbox.rows(sql, 100);
    }

    @Test
    void theCheckedStatementNamesOnlyQualifiedViewsAndSandboxNamedWithQueries() {
        String checked = sandbox.check("WITH \"/etc/passwd\" AS (SELECT * FROM offices) SELECT * FROM \"/etc/passwd\"");
        assertThat(checked).doesNotContain("/etc/passwd\" AS (").contains("tonle_cte_1").contains("main.offices");
        assertThat(sandbox.rows("WITH \"/etc/passwd\" AS (SELECT * FROM offices) SELECT * FROM \"/etc/passwd\"", 10).rows()).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // the review's finding: a WITH query in one scope, a file path in another
            "SELECT * FROM (WITH \"%1$s\" AS (SELECT 1) SELECT 1), \"%1$s\"",
            "SELECT * FROM \"%1$s\" WHERE 1 IN (WITH \"%1$s\" AS (SELECT 1) SELECT 1)",
            "WITH a AS (SELECT * FROM \"%1$s\"), \"%1$s\" AS (SELECT 1) SELECT * FROM a",
            "WITH RECURSIVE \"%1$s\"(n) AS (SELECT * FROM \"%1$s\" UNION ALL SELECT 1) SELECT * FROM \"%1$s\"",
            "SELECT * FROM (WITH x AS (SELECT 1) SELECT 1) UNION ALL SELECT * FROM \"%1$s\"",
            "SELECT (WITH \"%1$s\" AS (SELECT 1) SELECT 1), * FROM main.\"%1$s\"",
            "WITH \"%1$s\" AS (SELECT 1) SELECT * FROM memory.main.\"%1$s\"",
            "WITH \"%1$s\" AS (SELECT 1) SELECT * FROM main.\"%1$s\"",
            "SELECT * FROM offices, LATERAL (WITH \"%1$s\" AS (SELECT 1) SELECT 1) l, \"%1$s\"",
            "SELECT * FROM \"%2$s\"",
            "SELECT * FROM 'data/intake/hotline/.failed/*.csv'",
            "SELECT * FROM '%3$s/**'"})
    void aNameOutsideItsScopeIsRefused(String template) {
        String sql = template.formatted(secret.toString(), secret.getParent() + "/*.csv", dir);
        assertThatThrownBy(() -> sandbox.rows(sql, 10)).as(sql).isInstanceOf(SqlRefusedException.class)
                .hasMessageContaining("is not an analytics view");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT range(10)", "SELECT unnest(generate_series(1, 3))", "SELECT repeat('x', 100)", "SELECT lpad('x', 1000000000, 'y')",
            "SELECT current_setting('memory_limit')", "SELECT getvariable('x')", "SELECT system.main.lower('X')", "SELECT main.version()",
            "SELECT levenshtein('a', 'b')", "SELECT version()", "SELECT list_aggregate([1], 'min')",
            // attack review (r2): a width builds a value of any size from a few bytes, outside memory_limit
            "SELECT printf('%1500000000d', 1)", "SELECT format('{:>1500000000}', 'x')", "SELECT main.printf('%s', 1)"})
    void functionsOffTheAllowlistAreRefused(String sql) {
        assertThatThrownBy(() -> sandbox.rows(sql, 10)).as(sql).isInstanceOf(SqlRefusedException.class)
                .hasMessageContaining("is not allowed in ad-hoc SQL");
    }

    @Test
    void theInstanceMayTouchOnlyItsSpillFolderAndItsCapsAreLocked() throws Exception {
        try (Warehouse w = Warehouse.open(dir.resolve("caps/tonle.duckdb"), "64MB",
                new Settings.Sql(5, "300MB", 1, "100MB", 0, 1)); Connection c = w.connect()) {
            Statement s = c.createStatement();
            var rs = s.executeQuery("SELECT current_setting('allowed_directories'), current_setting('memory_limit'),"
                    + " current_setting('threads'), current_setting('max_temp_directory_size'), current_setting('temp_directory')");
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("[" + w.spillFolder() + "/]");
            assertThat(rs.getString(2)).isEqualTo("286.1 MiB");
            assertThat(rs.getLong(3)).isEqualTo(1);
            assertThat(rs.getString(4)).isEqualTo("95.3 MiB");
            assertThat(rs.getString(5)).isEqualTo(w.spillFolder().toString());
            for (String set : List.of("SET memory_limit = '10GB'", "SET threads = 8", "SET allowed_directories = ['/']",
                    "SET temp_directory = '/tmp'", "SET max_temp_directory_size = '1TB'", "RESET memory_limit")) {
                assertThatThrownBy(() -> c.createStatement().execute(set)).as(set).hasMessageContaining("locked");
            }
            assertThatThrownBy(() -> c.createStatement().executeQuery("SELECT * FROM read_csv('" + secret + "')"))
                    .hasMessageContaining("disabled");
        }
    }

    @Test
    void anAnswerPastTheByteCapIsCutSayingSoOrRefusedAsArrow() {
        String big = "SELECT a.date, b.date FROM calendar a, calendar b WHERE b.date < DATE '2000-02-01' ORDER BY ALL";
        SqlSandbox.Rows rows = sandbox.rows(big, 1_000_000);
        assertThat(rows.truncated()).isTrue();
        assertThat(rows.cut()).contains("answer size cap of 1 MB");
        assertThat(rows.rows().size()).isBetween(1000, 100_000);
        try (var allocator = new RootAllocator()) {
            assertThatThrownBy(() -> sandbox.arrow(big, 1_000_000, allocator)).isInstanceOf(SqlRefusedException.class)
                    .hasMessageContaining("larger than the answer size cap of 1 MB");
            assertThat(sandbox.arrow("SELECT * FROM offices", 10, allocator).length).isLessThan(10_000);
        }
    }

    /**
     * One scalar call that reaches no interrupt check (a lambda over a 1.5 M element list, eight
     * md5 each): DuckDB's interrupt cannot stop it, the watchdog answers the caller all the same,
     * and the sandbox keeps answering others while the call runs out on its own thread.
     */
    @Test
    void aSlowScalarIsAnsweredAtTheTimeLimitAndOthersStillAnswered() {
        try (SqlSandbox quick = new SqlSandbox(warehouse, new SqlSandbox.Limits(Duration.ofSeconds(1), 0, 2))) {
            String slow = "SELECT list_count(list_filter(l, x -> md5(md5(md5(md5(md5(md5(md5(md5(x::VARCHAR)))))))) < '0'))"
                    + " FROM (SELECT list(a.date) AS l FROM calendar a, calendar b WHERE b.date < DATE '2000-06-01')";
            long started = System.nanoTime();
            assertThatThrownBy(() -> quick.rows(slow, 10)).isInstanceOf(SqlRefusedException.class)
                    .hasMessageContaining("ran longer than 1 s and was cancelled");
            assertThat((System.nanoTime() - started) / 1e9).isLessThan(3.5);
            assertThat(quick.rows("SELECT count(*) FROM offices", 1).rows().get(0).get(0)).isEqualTo(2L);
        }
    }
}

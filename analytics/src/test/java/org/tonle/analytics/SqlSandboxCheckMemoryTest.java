package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.warehouse.Warehouse;

/**
 * The check's own DuckDB parser and its memory of accepted statements: the same text gives the
 * same SQL from memory, a refused text is refused every time and never remembered, and checks
 * running at once on several threads come out as they do one by one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlSandboxCheckMemoryTest {

    private static final List<String> ACCEPTED = List.of(
            "SELECT code, name FROM offices ORDER BY code",
            "WITH o AS (SELECT * FROM offices) SELECT o.code FROM o",
            "SELECT office, count(*) FROM activities GROUP BY ALL",
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t WHERE t.n < 5) SELECT sum(n) FROM t");
    private static final List<String> REFUSED = List.of(
            "SELECT * FROM fact_activity",
            "SELECT * FROM read_csv('/etc/passwd')",
            "WITH o AS (SELECT 1) SELECT * FROM o; SELECT * FROM audit_log",
            "COPY (SELECT 1) TO '/tmp/x.csv'",
            "SELECT getenv('HOME')",
            "SELECT * FROM offices AT (VERSION => 1)",
            "WITH o AS (SELECT * FROM offices) SELECT * FROM (SELECT * FROM o) q, (WITH p AS (SELECT 1) SELECT * FROM p) r, fact_activity",
            "SELEC 1");

    Warehouse warehouse;
    SqlSandbox sandbox;

    @BeforeAll
    void open(@TempDir Path dir) {
        warehouse = Warehouse.open(dir.resolve("tonle.duckdb"));
        sandbox = new SqlSandbox(warehouse, new SqlSandbox.Limits(Duration.ofSeconds(5), 1 << 20, 2));
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

    @Test
    void theSameTextGivesTheSameSqlAndRunsAgain() {
        for (String sql : ACCEPTED) {
            String first = sandbox.check(sql);
            String again = sandbox.check(sql);
            assertThat(again).isEqualTo(first);
            assertThat(sandbox.rows(sql, 10).columns()).isNotEmpty();
        }
    }

    @Test
    void aRefusedTextIsRefusedEveryTime() {
        for (String sql : REFUSED) {
            String message = refusal(sql);
            assertThat(message).as(sql).isNotNull();
            for (int i = 0; i < 3; i++) {
                assertThat(refusal(sql)).as(sql).isEqualTo(message);
            }
            assertThatThrownBy(() -> sandbox.rows(sql, 10)).isInstanceOf(SqlRefusedException.class);
        }
    }

    @Test
    void aRememberedTextStillNeedsTheExactText() {
        String accepted = "SELECT code FROM offices";
        sandbox.check(accepted);
        assertThat(refusal(accepted + "; SELECT * FROM fact_activity")).isNotNull();
        assertThat(refusal("SELECT code FROM offices, fact_activity")).isNotNull();
    }

    @Test
    void concurrentChecksComeOutAsOneByOne() throws Exception {
        Map<String, String> expected = new ConcurrentHashMap<>();
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // new texts each round, so most checks parse (and a few find a remembered one)
            all.add("SELECT code, " + i + " AS n FROM offices");
            all.add("SELECT " + i + ", * FROM fact_activity");
        }
        all.addAll(ACCEPTED);
        all.addAll(REFUSED);
        try (SqlSandbox alone = new SqlSandbox(warehouse, new SqlSandbox.Limits(Duration.ofSeconds(5), 1 << 20, 2))) {
            for (String sql : all) {
                expected.put(sql, outcome(alone, sql));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (String sql : all) {
                    Callable<Boolean> task = () -> outcome(sandbox, sql).equals(expected.get(sql));
                    results.add(pool.submit(task));
                }
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private String refusal(String sql) {
        try {
            sandbox.check(sql);
            return null;
        } catch (SqlRefusedException e) {
            return e.getMessage();
        }
    }

    private static String outcome(SqlSandbox sandbox, String sql) {
        try {
            return "ran: " + sandbox.check(sql);
        } catch (SqlRefusedException e) {
            return "refused: " + e.getMessage();
        }
    }
}

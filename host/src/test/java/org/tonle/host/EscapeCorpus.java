package org.tonle.host;

import java.util.List;
import java.util.stream.Stream;

/**
 * Statements an analyst might send to escape the ad-hoc SQL sandbox: writes, DDL, file and
 * network access, extension loading, configuration, raw tables, system catalogues, and queries
 * that would never end. Each must be refused (400 / a Flight SQL error / the CLI's exit code 1)
 * or cut off by the timeout, none may write anything, and no answer may hold the raw case code
 * planted in a failed hotline form. Files they try to create are named /tmp/tonle-escape*;
 * {@code ${data}} stands for the node's data folder.
 *
 * <p>{@link #REVIEW} holds the review's findings and their variants, {@link #ATTACKER} the
 * attempts thought up afterwards by reading the sandbox's code for what it might not model
 * (scopes, other syntax, qualification, functions, parameters, time travel).
 */
final class EscapeCorpus {

    /** A statement and the words its refusal must contain (so it is refused for the right reason). */
    record Attempt(String sql, String because) {
        @Override
        public String toString() {
            return sql.replace('\n', ' ');
        }
    }

    static final String RO = "only read-only SELECT";
    static final String SYNTAX = "not valid SQL";
    static final String VIEW = "is not an analytics view";
    static final String TF = "table functions";
    static final String FN = "is not allowed in ad-hoc SQL";
    static final String AT = "AT (time travel)";
    static final String PARAMETER = "parameter expressions are not allowed";
    static final String SHOW = "DESCRIBE, SHOW and SUMMARIZE";
    static final String TIME = "was cancelled";
    static final String ONE = "exactly one statement";

    static final List<Attempt> ATTEMPTS = List.of(
            // writes and DDL
            attempt("INSERT INTO fact_activity SELECT * FROM fact_activity", RO),
            attempt("DELETE FROM audit_log", RO),
            attempt("UPDATE dim_office SET name = 'x'", RO),
            attempt("DROP VIEW activities", RO),
            attempt("CREATE TABLE stolen AS SELECT * FROM activities", RO),
            attempt("CREATE OR REPLACE VIEW activities AS SELECT * FROM record_version", RO),
            attempt("WITH gone AS (DELETE FROM audit_log RETURNING *) SELECT count(*) FROM gone", SYNTAX),
            attempt("SELECT * FROM (INSERT INTO dim_office VALUES ('X', 'x') RETURNING *)", SYNTAX),
            attempt("CHECKPOINT", RO),
            attempt("VACUUM", RO),
            // several statements, comments and strings
            attempt("SELECT 1; DELETE FROM audit_log", RO),
            attempt("SELECT * FROM activities -- harmless?\n; DROP TABLE record_version", RO),
            attempt("SELECT 1 /* ; */ ; DROP TABLE audit_log --", RO),
            attempt("SELECT 1; SELECT 2", ONE),
            attempt("SELECT 'x''; DELETE FROM audit_log; --' AS s FROM record_version", VIEW),
            attempt("SELECT $$ ; DROP TABLE audit_log; $$ FROM audit_log", VIEW),
            attempt("SELECT * FROM \"record_version\"", VIEW),
            attempt("SELECT * FROM \"AUDIT_LOG\"", VIEW),
            attempt("SELECT * FROM activities, \"dead_letter\"", VIEW),
            // files, network, extensions, settings
            attempt("COPY (SELECT * FROM activities) TO '/tmp/tonle-escape.csv'", RO),
            attempt("EXPORT DATABASE '/tmp/tonle-escape-db'", RO),
            attempt("ATTACH '/tmp/tonle-escape.duckdb' AS stolen", RO),
            attempt("INSTALL httpfs", RO),
            attempt("LOAD httpfs", RO),
            attempt("LOAD '/tmp/tonle-escape.duckdb_extension'", RO),
            attempt("SET enable_external_access = true", RO),
            attempt("PRAGMA enable_profiling", RO),
            attempt("SELECT * FROM read_csv('/etc/passwd')", TF),
            attempt("SELECT * FROM read_text('/etc/hostname')", TF),
            attempt("SELECT * FROM read_parquet('data/*.parquet')", TF),
            attempt("SELECT * FROM read_json_auto('https://example.org/x.json')", TF),
            attempt("SELECT * FROM '/etc/passwd'", VIEW),
            attempt("FROM 'data/tonle.duckdb'", VIEW),
            attempt("SELECT * FROM glob('/*')", TF),
            attempt("SELECT getenv('HOME')", FN),
            attempt("SELECT current_setting('allowed_directories')", FN),
            attempt("SELECT nextval('audit_seq')", FN),
            // raw tables, however named or reached
            attempt("SELECT body FROM record_version", VIEW),
            attempt("SELECT * FROM main.audit_log", VIEW),
            attempt("SELECT * FROM tonle.main.dead_letter", VIEW),
            attempt("SELECT * FROM node_setting", VIEW),
            attempt("FROM record_version", VIEW),
            attempt("SELECT (SELECT count(*) FROM audit_log) AS n", VIEW),
            attempt("SELECT * FROM activities WHERE record_id IN (SELECT record_id FROM record_version)", VIEW),
            attempt("SELECT * FROM activities a JOIN fact_activity f USING (record_id)", VIEW),
            attempt("SELECT code FROM offices UNION ALL SELECT value FROM node_setting", VIEW),
            attempt("WITH audit_log AS (SELECT 1 AS a) SELECT * FROM main.audit_log", VIEW),
            attempt("SELECT * FROM (WITH offices AS (SELECT 1) SELECT * FROM offices), record_version", VIEW),
            attempt("SELECT * FROM query('SELECT * FROM audit_log')", TF),
            attempt("SELECT * FROM query_table('dead_letter')", TF),
            // system catalogues
            attempt("SELECT * FROM duckdb_settings()", TF),
            attempt("SELECT * FROM duckdb_secrets()", TF),
            attempt("SELECT * FROM duckdb_tables", VIEW),
            attempt("SELECT * FROM information_schema.tables", VIEW),
            attempt("SELECT * FROM pragma_table_info('audit_log')", TF),
            attempt("DESCRIBE record_version", SHOW),
            attempt("SHOW TABLES", SHOW),
            attempt("SUMMARIZE audit_log", SHOW),
            attempt("PIVOT audit_log ON action", RO),
            // queries that never end: cut off by the timeout
            attempt("SELECT count(*) FROM calendar a, calendar b, calendar c", TIME),
            attempt("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r", TIME));

    /** The raw case code planted in {@code ${data}/intake/hotline/.failed/form-1.csv}; no answer may hold it. */
    static final String PLANTED = "RAW-CASE-HOTLINE-0042";
    static final String FORM = "${data}/intake/hotline/.failed/form-1.csv";

    /** The review's findings, with the variants of each. */
    static final List<Attempt> REVIEW = List.of(
            // a WITH query in one scope, a quoted file path in another
            attempt("SELECT * FROM (WITH \"" + FORM + "\" AS (SELECT 1) SELECT 1), \"" + FORM + "\"", VIEW),
            attempt("SELECT * FROM \"" + FORM + "\" WHERE EXISTS (WITH \"" + FORM + "\" AS (SELECT 1) SELECT 1)", VIEW),
            attempt("WITH a AS (SELECT * FROM \"" + FORM + "\"), \"" + FORM + "\" AS (SELECT 1) SELECT * FROM a", VIEW),
            attempt("SELECT (WITH \"" + FORM + "\" AS (SELECT 1) SELECT 1) AS one, * FROM '" + FORM + "'", VIEW),
            attempt("SELECT 1 UNION ALL (WITH \"" + FORM + "\" AS (SELECT 1) SELECT 1) UNION ALL SELECT * FROM \"" + FORM + "\"", VIEW),
            attempt("WITH RECURSIVE \"" + FORM + "\"(n) AS (SELECT * FROM \"" + FORM + "\" UNION ALL SELECT 1) SELECT 1", VIEW),
            attempt("SELECT * FROM offices o, LATERAL (WITH \"" + FORM + "\" AS (SELECT 1) SELECT 1) l, \"" + FORM + "\"", VIEW),
            attempt("WITH \"" + FORM + "\" AS (SELECT 1) SELECT * FROM main.\"" + FORM + "\"", VIEW),
            attempt("WITH \"" + FORM + "\" AS (SELECT 1) SELECT * FROM memory.main.\"" + FORM + "\"", VIEW),
            attempt("SELECT * FROM '${data}/intake/hotline/.failed/*.csv'", VIEW),
            attempt("SELECT * FROM '${data}/**/*.csv'", VIEW),
            attempt("SELECT * FROM read_csv('" + FORM + "')", TF),
            attempt("SELECT * FROM \"${data}/tonle.duckdb\"", VIEW),
            attempt("SELECT * FROM read_text('${data}/secrets/subject-key')", TF),
            attempt("SELECT * FROM '${data}/secrets/subject-key'", VIEW),
            // one query takes the node down: now refused (the functions that build a huge value from a small one)
            attempt("SELECT count(*) FROM (SELECT unnest(range(300000000)))", FN),
            attempt("SELECT repeat('x', 100000000) FROM offices", FN),
            attempt("SELECT unnest(generate_series(1, 300000000))", FN),
            attempt("SELECT lpad('x', 1000000000, 'y') FROM offices", FN),
            attempt("SELECT levenshtein(string_agg(name, ''), string_agg(code, '')) FROM offices", FN));

    /** Thought up by reading the sandbox as an attacker would. */
    static final List<Attempt> ATTACKER = List.of(
            // a name in the scope where it is not a WITH query
            attempt("WITH activities AS (SELECT * FROM fact_activity) SELECT * FROM activities", VIEW),
            attempt("WITH x AS MATERIALIZED (SELECT * FROM audit_log) SELECT * FROM x", VIEW),
            attempt("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r, node_setting WHERE n < 2) SELECT * FROM r", VIEW),
            attempt("SELECT * FROM (WITH RECURSIVE \"f.csv\"(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM \"f.csv\" WHERE n < 2)"
                    + " SELECT * FROM \"f.csv\") UNION ALL SELECT * FROM 'f.csv'", VIEW),
            attempt("SELECT * FROM (SELECT * FROM '" + FORM + "') PIVOT (count(*) FOR x IN (1))", VIEW),
            attempt("SELECT * FROM \"offices\" AS \"audit_log\", audit_log", VIEW),
            attempt("SELECT * FROM (FROM activities) t, LATERAL (SELECT * FROM '${data}/tonle.duckdb.wal')", VIEW),
            // files by relative path, home, URL, other schemes
            attempt("SELECT * FROM 'data/intake/hotline/.failed/form-1.csv'", VIEW),
            attempt("SELECT * FROM '../data/intake/hotline/.failed/form-1.csv'", VIEW),
            attempt("SELECT * FROM '~/.ssh/id_rsa'", VIEW),
            attempt("SELECT * FROM 'https://example.org/x.csv'", VIEW),
            attempt("SELECT * FROM 's3://bucket/x.parquet'", VIEW),
            attempt("SELECT * FROM read_blob('${data}/pseudonymisation.key')", TF),
            attempt("SELECT * FROM sniff_csv('" + FORM + "')", TF),
            attempt("SELECT * FROM parquet_metadata('x.parquet')", TF),
            attempt("SELECT * FROM offices CROSS JOIN LATERAL read_text('" + FORM + "')", TF),
            // catalogues and schemas, however qualified
            attempt("SELECT * FROM memory.main.offices", VIEW),
            attempt("SELECT * FROM tonle.main.activities", VIEW),
            attempt("SELECT * FROM temp.main.x", VIEW),
            attempt("SELECT * FROM system.main.duckdb_settings", VIEW),
            attempt("SELECT * FROM information_schema.columns", VIEW),
            attempt("SELECT * FROM pg_catalog.pg_tables", VIEW),
            attempt("SELECT * FROM sqlite_master", VIEW),
            attempt("SELECT * FROM \"main\".\"AUDIT_LOG\"", VIEW),
            attempt("SELECT * FROM main.main.audit_log", VIEW),
            attempt("SELECT * FROM duckdb_extensions()", TF),
            attempt("SELECT * FROM which_secret('s3://x', 's3')", TF),
            attempt("SELECT * FROM range(10)", TF),
            attempt("SELECT * FROM unnest([1, 2, 3])", TF),
            // raw tables through every other clause and join
            attempt("FROM audit_log SELECT *", VIEW),
            attempt("SELECT * FROM offices UNION ALL BY NAME FROM dead_letter", VIEW),
            attempt("SELECT * FROM offices POSITIONAL JOIN node_setting", VIEW),
            attempt("SELECT * FROM offices ASOF JOIN record_version r ON true", VIEW),
            attempt("SELECT (SELECT value FROM node_setting LIMIT 1)", VIEW),
            attempt("SELECT * FROM offices QUALIFY row_number() OVER () = (SELECT count(*) FROM audit_log)", VIEW),
            attempt("SELECT * FROM offices ORDER BY (SELECT max(principal) FROM audit_log)", VIEW),
            attempt("SELECT * FROM offices LIMIT (SELECT count(*) FROM dead_letter)", VIEW),
            attempt("SELECT COLUMNS(c -> c LIKE '%') FROM audit_log", VIEW),
            attempt("SELECT * FROM offices TABLESAMPLE 10%, audit_log", VIEW),
            attempt("SELECT * FROM offices WHERE name ILIKE (SELECT value FROM node_setting)", VIEW),
            attempt("SELECT * FROM (PIVOT audit_log ON action)", RO),
            attempt("SELECT * FROM (DESCRIBE audit_log)", SHOW),
            attempt("SELECT * FROM (SUMMARIZE SELECT * FROM audit_log)", SHOW),
            attempt("SELECT * FROM activities AT (VERSION => 1)", AT),
            // functions off the allowlist: state, configuration, other schemas
            attempt("SELECT getvariable('x')", FN),
            attempt("SELECT version()", FN),
            attempt("SELECT current_database()", FN),
            attempt("SELECT system.main.lower('x')", FN),
            attempt("SELECT main.nextval('audit_seq')", FN),
            attempt("SELECT list_aggregate([1], 'min')", FN),
            attempt("SELECT json_execute_serialized_sql('{}')", FN),
            attempt("SELECT query_table('audit_log')", FN),
            // parameters, other statements
            attempt("SELECT * FROM offices WHERE code = ?", PARAMETER),
            attempt("SELECT $1", PARAMETER),
            attempt("UNPIVOT audit_log ON principal INTO NAME k VALUE v", VIEW),
            attempt("CALL pragma_version()", RO),
            attempt("ATTACH ':memory:' AS m", RO),
            attempt("DETACH tonle", RO),
            attempt("USE system", RO),
            attempt("SET VARIABLE x = (SELECT value FROM node_setting)", RO),
            attempt("EXPLAIN SELECT * FROM audit_log", RO),
            attempt("EXPLAIN ANALYZE SELECT 1", RO),
            attempt("SELECT * FROM offices; ATTACH 'x' AS y", RO));

    /**
     * The second review (r2), by an outside attacker with the source: the sandbox's own names
     * spoofed, the spill folder where backups stage their Parquet, other literal syntax, and
     * functions that build a value of any size from a few bytes (printf and format widths).
     */
    static final List<Attempt> ROUND2 = List.of(
            attempt("SELECT printf('%1500000000d', 1)", FN),
            attempt("SELECT format('{:>1500000000}', 'x')", FN),
            attempt("SELECT count(*) FROM offices WHERE length(printf('%*d', 2000000000, 1)) > 0", FN),
            attempt("SELECT * FROM tonle_cte_1", VIEW),
            attempt("WITH tonle_cte_1 AS (SELECT 1 AS x) SELECT * FROM tonle_cte_2", VIEW),
            attempt("SELECT * FROM (WITH a AS (SELECT 1) SELECT 1), tonle_cte_1", VIEW),
            attempt("SELECT * FROM '${data}/duckdb-spill/*.parquet'", VIEW),
            attempt("SELECT * FROM '${data}/duckdb-spill/**/*.parquet'", VIEW),
            attempt("SELECT * FROM read_parquet('${data}/duckdb-spill/**/*.parquet')", TF),
            attempt("SELECT * FROM \"duckdb-spill\"", VIEW),
            attempt("SELECT * FROM offices AS \"/etc/passwd\", \"/etc/passwd\"", VIEW),
            attempt("SELECT (SELECT count(*) FROM '${data}/pseudonymisation.key' AS offices)", VIEW),
            attempt("SELECT MAP {'a': 1}", FN),
            attempt("SELECT DATE '2015-01-01' AT TIME ZONE 'UTC'", FN),
            attempt("SELECT pg_get_viewdef(1)", FN),
            attempt("SELECT current_schemas(true)", FN),
            attempt("SELECT error('x')", FN),
            attempt("SELECT U&'\\0027'", SYNTAX),
            attempt("SELECT * FROM activities a JOIN LATERAL (SELECT * FROM record_version r WHERE r.record_id = a.record_id) x ON true", VIEW),
            attempt("SELECT * FROM offices WHERE EXISTS (SELECT 1 FROM main.\"audit_log\" WHERE false)", VIEW));

    /** Every attempt, for the tests that run them all. */
    static final List<Attempt> ALL = Stream.of(ATTEMPTS, REVIEW, ATTACKER, ROUND2).flatMap(List::stream).toList();

    private static Attempt attempt(String sql, String because) {
        return new Attempt(sql, because);
    }

    private EscapeCorpus() {
    }
}

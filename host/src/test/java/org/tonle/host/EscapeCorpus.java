package org.tonle.host;

import java.util.List;

/**
 * Statements an analyst might send to escape the ad-hoc SQL sandbox: writes, DDL, file and
 * network access, extension loading, configuration, raw tables, system catalogues, and queries
 * that would never end. Each must be refused (400 / a Flight SQL error) or cut off by the
 * timeout, and none may write anything. Files they try to create are named /tmp/tonle-escape*.
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
    static final String CTE = "WITH query may not be named";
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
            attempt("WITH audit_log AS (SELECT 1 AS a) SELECT * FROM audit_log", CTE),
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

    private static Attempt attempt(String sql, String because) {
        return new Attempt(sql, because);
    }

    private EscapeCorpus() {
    }
}

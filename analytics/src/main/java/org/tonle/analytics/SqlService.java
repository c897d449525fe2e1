package org.tonle.analytics;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.arrow.memory.BufferAllocator;
import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.warehouse.AuditLog;

/**
 * Ad-hoc SQL for analysts, the one path behind {@code POST /api/v1/sql}, {@code bin/tonle sql}
 * and Arrow Flight SQL: who may ask, the row cap, the sandbox's check (in the node), the run (in
 * an analyst worker process over the analyst snapshot, never in the node: {@link AnalystWorkers}),
 * and the audit of every statement, refused ones too.
 */
public final class SqlService {

    public static final int DEFAULT_LIMIT = 1000;
    public static final int MAX_LIMIT = 1_000_000;

    private final SqlSandbox sandbox;
    private final AnalystWorkers workers;
    private final AuditLog audit;
    private final BufferAllocator allocator;

    /** @param workers where checked statements run: worker processes over the analyst snapshot */
    public SqlService(SqlSandbox sandbox, AnalystWorkers workers, AuditLog audit, BufferAllocator allocator) {
        this.sandbox = sandbox;
        this.workers = workers;
        this.audit = audit;
        this.allocator = allocator;
    }

    /**
     * Rows as Java values, for JSON and CSV, with the instant up to which the snapshot they were
     * read from holds every commit ({@code as_of}).
     */
    public AnalystWorkers.Answer<SqlSandbox.Rows> rows(Caller caller, String sql, Integer limit, String endpoint) {
        int cap = limit(limit);
        authorize(caller);
        try {
            AnalystWorkers.Answer<SqlSandbox.Rows> rows = workers.rows(sandbox.check(sql), cap);
            audited(caller, endpoint, sql, cap, null, (long) rows.value().rows().size());
            return rows;
        } catch (SqlRefusedException e) {
            audited(caller, endpoint, sql, cap, e, null);
            throw new RequestRefused(RequestRefused.Reason.INVALID, e.getMessage(), e.rule());
        }
    }

    /**
     * An Arrow IPC stream; refusals (the byte cap too) surface here, before any byte is sent.
     * The audit records the statement and its cap (the rows are in the stream).
     */
    public byte[] arrow(Caller caller, String sql, Integer limit, String endpoint) {
        return arrowAnswer(caller, sql, limit, endpoint).value();
    }

    /** As {@link #arrow}, with the snapshot's {@code as_of}. */
    public AnalystWorkers.Answer<byte[]> arrowAnswer(Caller caller, String sql, Integer limit, String endpoint) {
        int cap = limit(limit);
        authorize(caller);
        try {
            AnalystWorkers.Answer<byte[]> answer = workers.arrow(sandbox.check(sql), cap);
            audited(caller, endpoint, sql, cap, null, null);
            return answer;
        } catch (SqlRefusedException e) {
            audited(caller, endpoint, sql, cap, e, null);
            throw e;
        }
    }

    /**
     * The columns a statement would answer, from a run capped at zero rows (DuckDB then skips
     * the work); audited as {@code sql-schema}, refused or not.
     */
    public byte[] schemaOnly(Caller caller, String sql, String endpoint) {
        authorize(caller);
        try {
            byte[] answer = workers.arrow(sandbox.check(sql), 0).value();
            audit(caller, "sql-schema", endpoint, sql, null);
            return answer;
        } catch (SqlRefusedException e) {
            audit(caller, "sql-schema-refused", endpoint, sql, e.getMessage());
            throw e;
        }
    }

    /** Checks a statement without running it (Flight SQL prepares before it executes); audited as {@code sql-check}. */
    public String check(Caller caller, String sql, String endpoint) {
        authorize(caller);
        try {
            String checked = sandbox.check(sql);
            audit(caller, "sql-check", endpoint, sql, null);
            return checked;
        } catch (SqlRefusedException e) {
            audit(caller, "sql-check-refused", endpoint, sql, e.getMessage());
            throw e;
        }
    }

    /**
     * Audits a call that runs no statement (Flight SQL's catalogue calls, and calls refused
     * before a caller is known: then {@code caller} is null and the principal is {@code -}).
     */
    public void audit(Caller caller, String action, String endpoint, String sql, String refusal) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (sql != null) {
            parameters.put("sql", sql);
        }
        if (refusal != null) {
            parameters.put("refused", refusal);
        }
        audit.record(caller == null ? "-" : caller.name(), caller == null ? "-" : caller.role().id(), action, endpoint,
                parameters.isEmpty() ? null : Json.write(parameters), null);
    }

    public BufferAllocator allocator() {
        return allocator;
    }

    private static int limit(Integer limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw RequestRefused.invalid("limit must be between 1 and " + MAX_LIMIT + "; it was " + limit);
        }
        return limit;
    }

    private void authorize(Caller caller) {
        if (caller.role() != Role.ADMIN && caller.role() != Role.ANALYST) {
            audit(caller, "sql-forbidden", "sql", null, "not an analyst or admin");
            throw RequestRefused.notPermitted("ad-hoc SQL is for analysts and admins; " + caller.name() + " is " + caller.role().id());
        }
    }

    private void audited(Caller caller, String endpoint, String sql, int cap, SqlRefusedException refusal, Long rows) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("sql", sql);
        parameters.put("limit", cap);
        if (refusal != null) {
            parameters.put("refused", refusal.getMessage());
            if (refusal.rule() != null) {
                parameters.put("rule", refusal.rule());
            }
        }
        audit.record(caller.name(), caller.role().id(), refusal == null ? "sql" : "sql-refused", endpoint, Json.write(parameters), rows);
    }
}

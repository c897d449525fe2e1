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
 * Ad-hoc SQL for analysts, the one path behind {@code POST /api/v1/sql} and Arrow Flight SQL:
 * who may ask, the row cap, the sandbox, and the audit of every statement, refused ones too.
 */
public final class SqlService {

    public static final int DEFAULT_LIMIT = 1000;
    public static final int MAX_LIMIT = 1_000_000;

    private final SqlSandbox sandbox;
    private final AuditLog audit;
    private final BufferAllocator allocator;

    public SqlService(SqlSandbox sandbox, AuditLog audit, BufferAllocator allocator) {
        this.sandbox = sandbox;
        this.audit = audit;
        this.allocator = allocator;
    }

    /** Rows as Java values, for JSON and CSV. */
    public SqlSandbox.Rows rows(Caller caller, String sql, Integer limit, String endpoint) {
        int cap = limit(limit);
        authorize(caller);
        try {
            SqlSandbox.Rows rows = sandbox.rows(sql, cap);
            audited(caller, endpoint, sql, cap, null, (long) rows.rows().size());
            return rows;
        } catch (SqlRefusedException e) {
            audited(caller, endpoint, sql, cap, e.getMessage(), null);
            throw RequestRefused.invalid(e.getMessage());
        }
    }

    /**
     * An Arrow IPC stream; refusals (the byte cap too) surface here, before any byte is sent.
     * The audit records the statement and its cap (the rows are in the stream).
     */
    public byte[] arrow(Caller caller, String sql, Integer limit, String endpoint) {
        int cap = limit(limit);
        authorize(caller);
        try {
            byte[] answer = sandbox.arrow(sql, cap, allocator);
            audited(caller, endpoint, sql, cap, null, null);
            return answer;
        } catch (SqlRefusedException e) {
            audited(caller, endpoint, sql, cap, e.getMessage(), null);
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
            byte[] answer = sandbox.arrow(sql, 0, allocator);
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

    private void audited(Caller caller, String endpoint, String sql, int cap, String refusal, Long rows) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("sql", sql);
        parameters.put("limit", cap);
        if (refusal != null) {
            parameters.put("refused", refusal);
        }
        audit.record(caller.name(), caller.role().id(), refusal == null ? "sql" : "sql-refused", endpoint, Json.write(parameters), rows);
    }
}

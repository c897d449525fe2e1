package org.tonle.host.service;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

import org.tonle.core.RequestRefused;
import org.tonle.warehouse.AuditLog;

/** The audit log for admins: who read or wrote what, and when, newest first. */
public final class AuditService {

    public static final int DEFAULT_LIMIT = 100;

    private final AuditLog audit;

    public AuditService(AuditLog audit) {
        this.audit = audit;
    }

    /**
     * @param since an instant ({@code 2015-08-01T00:00:00Z}) or a date ({@code 2015-08-01}, UTC midnight)
     */
    /** @param before an entry's id: only older entries (the next page back) */
    public List<AuditLog.Entry> list(String principal, String action, String since, String before, String limit) {
        Long older = null;
        if (before != null && !before.isBlank()) {
            try {
                older = Long.parseLong(before.trim());
            } catch (NumberFormatException e) {
                throw RequestRefused.invalid("before: give an audit entry's id (a number), not '" + before + "'");
            }
        }
        int rows = DEFAULT_LIMIT;
        if (limit != null && !limit.isBlank()) {
            try {
                rows = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                rows = -1;
            }
            if (rows < 1 || rows > 10_000) {
                throw RequestRefused.invalid("limit: give a number from 1 to 10000, not '" + limit + "'");
            }
        }
        return audit.list(blankToNull(principal), blankToNull(action), instant(since), older, rows);
    }

    private static Instant instant(String since) {
        if (since == null || since.isBlank()) {
            return null;
        }
        try {
            return since.length() == 10 ? LocalDate.parse(since).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(since);
        } catch (DateTimeParseException e) {
            throw RequestRefused.invalid("since: '" + since + "' is not a date (2015-08-01) or an instant (2015-08-01T00:00:00Z)");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}

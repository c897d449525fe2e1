package org.tonle.host.api.wire;

import java.util.List;

import org.tonle.warehouse.AuditLog;

/** {@code GET /api/v1/audit}: newest first. */
public record AuditEntries(List<AuditLog.Entry> entries) {
}

package org.tonle.host.service;

import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.pipelines.GroupCommitWriter;
import org.tonle.pipelines.PeriodLock;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.Highlights;
import org.tonle.warehouse.Periods;

/**
 * The review of highlights (DESIGN.md 9.3): a public highlight reaches a donor's report only once
 * an admin approved it. A highlight is {@code pending} until reviewed, {@code held} when its text
 * triggers a hold ({@link HighlightHolds}), then {@code approved} or {@code rejected}. A decision
 * holds for the text it was made on: a correction of the record makes it pending (or held) again.
 *
 * <p>A held highlight is approved only with an {@code override_reason} (a protected name that is
 * an adult's, a public figure's); otherwise the text has to be corrected ({@code PUT
 * /api/v1/activities/{id}}) until it no longer triggers a hold, which makes it pending. The rules
 * are applied again when a highlight is approved, so a name added to protected-names.txt since
 * the list was read still holds it. Decisions in a month whose cell (office × programme) is
 * approved are refused ({@code period_locked}): the report of an approved month does not change.
 * Every decision is audited in the transaction that records it; every listing is audited.
 */
public final class HighlightService {

    public static final String PENDING = "pending";
    public static final String HELD = "held";
    private static final Set<String> STATES = Set.of(PENDING, HELD, Highlights.APPROVED, Highlights.REJECTED);
    private static final int MAX_REASON = 2000;

    /** One highlight as its reviewer sees it. */
    public record Highlight(String id, String office, String program, String kind, String text, String state,
                            List<String> reasons, @JsonProperty("reviewed_by") String reviewedBy,
                            @JsonProperty("reviewed_at") Instant reviewedAt) {
    }

    /** {@code GET /api/v1/highlights?period=yyyy-mm}. */
    public record Month(String period, List<Highlight> highlights) {
    }

    /** The body of approve ({@code override_reason}, for a held highlight) and reject ({@code reason}). */
    public record Review(String reason, @JsonProperty("override_reason") String overrideReason) {
    }

    private final Highlights highlights;
    private final HighlightHolds holds;
    private final Periods periods;
    private final GroupCommitWriter writer;
    private final AuditLog audit;

    public HighlightService(Highlights highlights, HighlightHolds holds, Periods periods, GroupCommitWriter writer, AuditLog audit) {
        this.highlights = highlights;
        this.holds = holds;
        this.periods = periods;
        this.writer = writer;
        this.audit = audit;
    }

    public Month list(Caller caller, String period, String state) {
        YearMonth month = month(period);
        if (state != null && !STATES.contains(state)) {
            throw RequestRefused.invalid("state must be one of pending, held, approved, rejected (it was not)");
        }
        List<Highlight> list = new ArrayList<>();
        for (Highlights.Reviewed h : highlights.month(month.atDay(1), month.plusMonths(1).atDay(1))) {
            if (!inScope(caller, h.office())) {
                continue;
            }
            Highlight shown = shown(h);
            if (state == null || state.equals(shown.state())) {
                list.add(shown);
            }
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("period", month.toString());
        if (state != null) {
            parameters.put("state", state);
        }
        audit.record(caller.name(), caller.role().id(), "read", "GET /api/v1/highlights", Json.write(parameters), (long) list.size());
        return new Month(month.toString(), list);
    }

    public Highlight approve(Caller caller, String id, Review body) {
        String override = body == null ? null : blankToNull(body.overrideReason());
        if (override != null && override.length() > MAX_REASON) {
            throw RequestRefused.invalid("override_reason: at most " + MAX_REASON + " characters");
        }
        return decide(caller, id, "approve", h -> {
            List<String> reasons = holds.reasons(h.text());
            if (!reasons.isEmpty() && override == null) {
                throw RequestRefused.conflict("highlight " + h.id() + " is held: " + String.join("; ", reasons)
                        + ". Correct its text (PUT /api/v1/activities/" + h.id() + ") until it no longer triggers a hold,"
                        + " or approve it with {\"override_reason\": \"...\"} saying why it may go to donors as it is");
            }
            return new Highlights.Decision(h.id(), h.textSha256(), Highlights.APPROVED, null, reasons.isEmpty() ? null : override);
        });
    }

    public Highlight reject(Caller caller, String id, Review body) {
        String reason = body == null ? null : blankToNull(body.reason());
        if (reason == null) {
            throw RequestRefused.invalid("reason is required: say why the highlight is rejected, e.g. {\"reason\": \"names a child\"}");
        }
        if (reason.length() > MAX_REASON) {
            throw RequestRefused.invalid("reason: at most " + MAX_REASON + " characters");
        }
        return decide(caller, id, "reject", h -> new Highlights.Decision(h.id(), h.textSha256(), Highlights.REJECTED, reason, null));
    }

    private interface Decide {
        Highlights.Decision on(Highlights.Reviewed highlight);
    }

    private Highlight decide(Caller caller, String idText, String action, Decide decide) {
        UUID id = id(idText);
        return writer.betweenSubmissions(() -> {
            Highlights.Reviewed h = highlights.one(id).orElseThrow(() -> RequestRefused.notFound(
                    "no public highlight " + id + " (a highlight record marked public)"));
            String month = YearMonth.from(h.date()).toString();
            if (periods.approved(month, h.office(), h.program())) {
                throw new RequestRefused(RequestRefused.Reason.CONFLICT, "the month " + month + " of " + h.office() + "/" + h.program()
                        + " is approved, and its report does not change: reopen it to review its highlights", PeriodLock.RULE);
            }
            Highlights.Decision decision = decide.on(h);
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("id", id.toString());
            parameters.put("period", month);
            parameters.put("office", h.office());
            parameters.put("program", h.program());
            if (decision.reason() != null) {
                parameters.put("reason", decision.reason());
            }
            if (decision.overrideReason() != null) {
                parameters.put("override_reason", decision.overrideReason());
                parameters.put("held_for", holds.reasons(h.text()));
            }
            highlights.decide(caller.name(), decision, new AuditLog.Write(caller.name(), caller.role().id(), action + "_highlight",
                    "POST /api/v1/highlights/" + id + "/" + action, Json.write(parameters), 1L));
            return shown(highlights.one(id).orElseThrow());
        });
    }

    private Highlight shown(Highlights.Reviewed h) {
        List<String> reasons = holds.reasons(h.text());
        String state = h.state() != null ? h.state() : reasons.isEmpty() ? PENDING : HELD;
        return new Highlight(h.id().toString(), h.office(), h.program(), h.kind(), h.text(), state, reasons,
                h.state() == null ? null : h.reviewedBy(), h.state() == null ? null : h.reviewedAt());
    }

    private static boolean inScope(Caller caller, String office) {
        if (caller.role() == Role.ADMIN) {
            return true;
        }
        return caller.role() == Role.STAFF && (caller.officeScope() == null || caller.officeScope().contains(office));
    }

    private static YearMonth month(String text) {
        try {
            if (text != null && text.length() == 7) {
                return YearMonth.parse(text);
            }
        } catch (DateTimeParseException e) {
            // answered below
        }
        throw RequestRefused.invalid("period must be a month written yyyy-mm, e.g. 2015-08");
    }

    private static UUID id(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw RequestRefused.notFound("no highlight with that id (ids are UUIDs)");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}

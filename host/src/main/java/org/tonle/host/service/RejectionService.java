package org.tonle.host.service;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.programme.api.PublishResult;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.DeadLetter;
import org.tonle.warehouse.DeadLetterStore;

/**
 * The dead-letter store over HTTP: listing rejections (staff see their offices, admins all) and
 * replaying them after a declaration or a record was fixed. Stored bodies are pseudonymised
 * (their subject is a {@code key}, never a ref), so a replay is a trusted submission: the only
 * path besides a remote office on which a record may arrive with a key. A replay may carry a
 * fix per rejection, a JSON merge patch applied to the stored body; a patched {@code ref} is
 * pseudonymised as on any other path. Because the replay is trusted, a fix may not touch what
 * pseudonymisation made ({@code subject.key}, or the subject block as a whole): otherwise anyone
 * who may replay could file a record under another person's key.
 *
 * <p>A line that could not be parsed is listed with its length and keyed hash only (its text was
 * never stored); it cannot be replayed, the office sends it again.
 */
public final class RejectionService {

    public static final String OPEN = "open";
    public static final String REPLAYED = "replayed";
    public static final String SUPERSEDED = "superseded";
    public static final String DISMISSED = "dismissed";
    /** The longest dismissal reason kept. */
    public static final int MAX_REASON = 500;

    private static final ObjectMapper JSON = Json.MAPPER;

    private final DeadLetterStore deadLetters;
    private final Ingest ingest;
    private final AuditLog audit;

    public RejectionService(DeadLetterStore deadLetters, Ingest ingest, AuditLog audit) {
        this.deadLetters = deadLetters;
        this.ingest = ingest;
        this.audit = audit;
    }

    /** A stored rejection as callers see it; {@code record} is the pseudonymised body. */
    public record Rejection(long id, Instant receivedAt, String principal, String source, int line, String recordId,
                            String program, String office, String field, String rule, String reason, String status,
                            JsonNode record, Integer lineLength, String lineHash, DeadLetterStore.Dismissal dismissal) {
    }

    /** The body of a dismissal: the rejections (every row of a record, usually) and why they need no replay. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Dismiss(List<Long> ids, String reason) {
    }

    /** What a dismissal did. */
    public record Dismissed(int dismissed) {
    }

    /**
     * The body of a replay: the rejections by {@code ids}, or else every open one the filters
     * choose; {@code fix} maps a rejection's id to a JSON merge patch for its stored record.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Replay(List<Long> ids, String program, String office, String rule, Map<String, JsonNode> fix) {
    }

    /**
     * What a replay did.
     *
     * @param replayed       records sent through the pipeline again (a record rejected for several fields counts once)
     * @param notReplayable  records whose stored body is not a JSON object (a line that was not JSON)
     * @param rejected       the replayed records rejected again, with today's reasons
     */
    public record Replayed(int replayed, int accepted, int duplicates, @JsonProperty("not_replayable") int notReplayable,
                           List<PublishResult.Rejection> rejected) {
    }

    public List<Rejection> list(Caller caller, String status, String program, String office, String rule, int limit) {
        List<DeadLetter> letters = letters(caller, status, program, office, rule, limit);
        Map<Long, DeadLetterStore.Dismissal> dismissals = deadLetters.dismissals(
                letters.stream().filter(d -> DISMISSED.equals(d.status())).map(DeadLetter::id).toList());
        List<Rejection> result = letters.stream().map(d -> view(d, dismissals.get(d.id()))).toList();
        audit.record(caller.name(), caller.role().id(), "read", "GET /api/v1/rejections", null, (long) result.size());
        return result;
    }

    /**
     * Replays the open rejections chosen by ids (or by the filters when no ids are given). Each
     * rejected record is sent once however many of its fields were wrong.
     */
    public Replayed replay(Caller caller, Replay request) {
        Replay body = request == null ? new Replay(null, null, null, null, null) : request;
        List<DeadLetter> chosen = letters(caller, OPEN, body.program(), body.office(), body.rule(), 10_000);
        if (body.ids() != null) {
            Set<Long> ids = Set.copyOf(body.ids());
            chosen = chosen.stream().filter(d -> ids.contains(d.id())).toList();
        }
        Map<String, JsonNode> fixes = body.fix() == null ? Map.of() : body.fix();
        // Group the per-field rows of one rejected record.
        Map<String, List<DeadLetter>> records = new LinkedHashMap<>();
        for (DeadLetter d : chosen) {
            records.computeIfAbsent(d.receivedAt() + "|" + d.source() + "|" + d.principal() + "|" + d.line(), k -> new ArrayList<>()).add(d);
        }
        List<Item> items = new ArrayList<>();
        List<List<DeadLetter>> itemLetters = new ArrayList<>();
        int notReplayable = 0;
        for (List<DeadLetter> letters : records.values()) {
            ObjectNode record = parse(letters.get(0).body());
            if (record == null) {
                notReplayable++;
                continue;
            }
            for (DeadLetter d : letters) {
                JsonNode fix = fixes.get(Long.toString(d.id()));
                if (fix != null && fix.isObject()) {
                    refusePseudonymisedFields(d.id(), (ObjectNode) fix);
                    try {
                        record = JSON.readerForUpdating(record).readValue(fix);
                    } catch (IOException e) {
                        // Not Jackson's message: it quotes the fix, which may hold a case code.
                        throw RequestRefused.invalid("the fix for rejection " + d.id() + " cannot be applied to the stored record");
                    }
                } else if (fix != null) {
                    // Only a rejection without a fix replays its stored record unchanged.
                    throw RequestRefused.invalid("the fix for rejection " + d.id() + " must be an object (a JSON merge patch)");
                }
            }
            items.add(Submission.item(items.size() + 1, record));
            itemLetters.add(letters);
        }
        PublishResult result = items.isEmpty() ? new PublishResult(0, 0, List.of())
                : ingest.submit(new Submission(caller.name(), "replay", caller.officeScope(), Submission.Mode.CREATE, null, true, items));
        List<Long> replayed = new ArrayList<>();
        List<Long> superseded = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<Long> ids = itemLetters.get(i).stream().map(DeadLetter::id).toList();
            // Rejected again: the new rejection is open in the store, with today's reasons.
            (items.get(i).outcome() == Item.Outcome.REJECTED ? superseded : replayed).addAll(ids);
        }
        deadLetters.markStatus(replayed, REPLAYED);
        deadLetters.markStatus(superseded, SUPERSEDED);
        audit.record(caller.name(), caller.role().id(), "write", "POST /api/v1/rejections/replay",
                "{\"records\":" + items.size() + ",\"rejected\":" + result.rejected().size() + "}", (long) result.accepted());
        return new Replayed(items.size(), result.accepted(), result.duplicates(), notReplayable, result.rejected());
    }

    /**
     * Dismisses open rejections the caller may see, with a reason (kept beside them, not in the
     * audit log, which records who dismissed how many). An id that is not an open rejection in
     * the caller's scope is refused as unknown, and then nothing is dismissed.
     */
    public Dismissed dismiss(Caller caller, Dismiss request) {
        if (request == null || request.ids() == null || request.ids().isEmpty()) {
            throw RequestRefused.invalid("send {\"ids\": [rejection ids], \"reason\": \"why no replay is needed\"}");
        }
        String reason = request.reason() == null ? "" : request.reason().strip();
        if (reason.isEmpty() || reason.length() > MAX_REASON) {
            throw RequestRefused.invalid("a dismissal needs a reason of 1 to " + MAX_REASON + " characters");
        }
        Set<Long> open = Set.copyOf(letters(caller, OPEN, null, null, null, 10_000).stream().map(DeadLetter::id).toList());
        for (Long id : request.ids()) {
            if (id == null || !open.contains(id)) {
                throw RequestRefused.notFound("there is no open rejection " + id + " that you may dismiss");
            }
        }
        int dismissed = deadLetters.dismiss(List.copyOf(Set.copyOf(request.ids())), caller.name(), reason);
        audit.record(caller.name(), caller.role().id(), "write", "POST /api/v1/rejections/dismiss",
                "{\"rejections\":" + dismissed + "}", (long) dismissed);
        return new Dismissed(dismissed);
    }

    /** A fix may set {@code subject.ref} (it is pseudonymised), never the key it became. */
    private static void refusePseudonymisedFields(long id, ObjectNode fix) {
        JsonNode subject = fix.get("subject");
        if (subject == null) {
            return;
        }
        if (!subject.isObject()) {
            throw RequestRefused.invalid("the fix for rejection " + id + " may change subject fields (ref, role, sex, age)"
                    + " but not replace or remove the subject");
        }
        if (subject.has("key")) {
            throw RequestRefused.invalid("the fix for rejection " + id + " may not set subject.key; send the case code"
                    + " as subject.ref and it is pseudonymised");
        }
    }

    private List<DeadLetter> letters(Caller caller, String status, String program, String office, String rule, int limit) {
        List<String> offices = caller.officeScope() == null ? null : List.copyOf(caller.officeScope());
        if (office != null) {
            if (offices != null && !offices.contains(office)) {
                throw RequestRefused.notPermitted("you may not see rejections of office " + office);
            }
            offices = List.of(office);
        }
        return deadLetters.list(offices, caller.officeScope() == null ? null : caller.name(), status, program, rule, limit);
    }

    private static Rejection view(DeadLetter d, DeadLetterStore.Dismissal dismissal) {
        ObjectNode record = parse(d.body());
        return new Rejection(d.id(), d.receivedAt(), d.principal(), d.source(), d.line(), d.recordId(), d.program(), d.office(),
                d.field(), d.rule(), d.reason(), d.status(), record, d.lineLength(), d.lineHash(), dismissal);
    }

    private static ObjectNode parse(String body) {
        if (body == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? (ObjectNode) node : null;
        } catch (IOException e) {
            return null;
        }
    }
}

package org.tonle.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.programme.api.PublishResult;
import org.tonle.programme.api.Violation;

/**
 * A batch of records on its way through the ingest pipeline, from any entry point. Each step
 * of the route works on the items still pending and leaves its verdict on them.
 */
public final class Submission {

    /** What the submission asks for. */
    public enum Mode { CREATE, CORRECT, VOID }

    private final String principal;
    private final String source;
    private final Set<String> offices;
    private final Mode mode;
    private final String targetId;
    private final boolean trusted;
    private final List<Item> items;
    private Audited audited;

    /**
     * How the write is audited: the entry is written in the transaction that stores the
     * submission's records, with what became of them (DESIGN.md 2: every write is audited).
     */
    public record Audited(String role, String action, String endpoint) {
    }

    /**
     * @param offices  offices the principal may record for; {@code null} for every office
     * @param trusted  whether items may carry an already pseudonymised {@code subject.key}
     *                 (replay from the dead-letter store, a remote office); never for HTTP input
     */
    public Submission(String principal, String source, Set<String> offices, Mode mode, String targetId,
                      boolean trusted, List<Item> items) {
        this.principal = principal;
        this.source = source;
        this.offices = offices;
        this.mode = mode;
        this.targetId = targetId;
        this.trusted = trusted;
        this.items = new ArrayList<>(items);
    }

    public static Submission create(String principal, String source, Set<String> offices, List<Item> items) {
        return new Submission(principal, source, offices, Mode.CREATE, null, false, items);
    }

    public String principal() {
        return principal;
    }

    public String source() {
        return source;
    }

    public Set<String> offices() {
        return offices;
    }

    public Mode mode() {
        return mode;
    }

    public String targetId() {
        return targetId;
    }

    public boolean trusted() {
        return trusted;
    }

    public List<Item> items() {
        return items;
    }

    /** Asks the loader to audit this write together with its records; returns this submission. */
    public Submission audited(String role, String action, String endpoint) {
        this.audited = new Audited(role, action, endpoint);
        return this;
    }

    /** The audit this write asks for, or null when the caller audits it otherwise (imports, replay, transport). */
    public Audited audited() {
        return audited;
    }

    /** The answer of DESIGN.md section 4, in submission order. */
    public PublishResult result() {
        int accepted = 0;
        int duplicates = 0;
        List<PublishResult.Rejection> rejected = new ArrayList<>();
        for (Item item : items) {
            switch (item.outcome()) {
                case ACCEPTED -> accepted++;
                case DUPLICATE -> duplicates++;
                case REJECTED -> item.violations().forEach(v ->
                        rejected.add(new PublishResult.Rejection(item.storableId(), item.line(), v.field(), v.rule(), v.reason())));
                case PENDING -> throw new IllegalStateException("item " + item.line() + " left the pipeline undecided");
            }
        }
        return new PublishResult(accepted, duplicates, rejected);
    }

    /** A void of a stored record: its facts leave every figure, its versions stay for the audit. */
    public static Submission voiding(String principal, String source, UUID id) {
        return new Submission(principal, source, null, Mode.VOID, id.toString(), false, List.of(Item.voiding(id)));
    }

    /** Makes an item from a parsed JSON object. */
    public static Item item(int line, ObjectNode node) {
        return new Item(line, node, null);
    }

    /**
     * Makes an item from a line of ASCII bytes read straight into a record, without a tree, when
     * it has the usual shape ({@link Draft}); null when it has not, and its tree must be read.
     */
    public static Item read(int line, byte[] bytes, int from, int to, Map<String, String> defaults) {
        Draft draft = Draft.of(bytes, from, to, defaults);
        return draft == null ? null : new Item(line, draft);
    }

    /**
     * Makes an item from a line that is not a JSON object, with the reason. The text is kept
     * only until the pipeline's first step replaces it by its length and keyed hash; the reason
     * must not quote it.
     */
    public static Item malformed(int line, String text, String problem) {
        return malformed(line, text, "malformed_json", problem);
    }

    /** Makes an item from a line that could not be read as a record, with a rule of its own (e.g. {@code encoding}). */
    public static Item malformed(int line, String text, String rule, String problem) {
        Item item = new Item(line, null, text);
        item.reject(new Violation("", rule, problem));
        return item;
    }
}

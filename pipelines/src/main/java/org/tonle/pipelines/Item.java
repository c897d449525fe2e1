package org.tonle.pipelines;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.programme.api.Violation;
import org.tonle.warehouse.PseudonymousRecord;

/** One record of a submission and what the pipeline decided about it. */
public final class Item {

    public enum Outcome { PENDING, ACCEPTED, DUPLICATE, REJECTED }

    private final int line;
    private ObjectNode node;
    private Draft draft;
    private Consumer<ObjectNode> pseudonymised;
    private String unparsed;
    private Integer lineLength;
    private String lineHash;
    private String recordId;
    private UUID target;
    private PseudonymousRecord record;
    private String canonical;
    private String contentHash;
    private Outcome outcome = Outcome.PENDING;
    private final List<Violation> violations = new ArrayList<>();

    Item(int line, ObjectNode node, String unparsed) {
        this.line = line;
        this.node = node;
        this.unparsed = unparsed;
        if (unparsed != null) {
            this.lineLength = unparsed.getBytes(StandardCharsets.UTF_8).length;
        }
        if (node != null && node.path("id").isTextual()) {
            this.recordId = node.get("id").asText();
        }
    }

    /** A record read as a {@link Draft}; its tree is built only if it is needed. */
    Item(int line, Draft draft) {
        this(line, null, null);
        this.draft = draft;
        this.recordId = draft.id;
    }

    /** The item of a void: it names a record and carries none. */
    static Item voiding(UUID id) {
        Item item = new Item(1, null, null);
        item.target = id;
        item.recordId = id.toString();
        return item;
    }

    /** 1-based position in the submission. */
    public int line() {
        return line;
    }

    /** The record as sent, with its subject ref already pseudonymised after the first step. */
    public ObjectNode node() {
        if (node == null && draft != null) {
            // Built from the same bytes, then given what Pseudonymise did to the draft.
            node = draft.tree();
            if (pseudonymised != null) {
                pseudonymised.accept(node);
            }
        }
        return node;
    }

    /** The draft of a record read without a tree; null for a tree, a malformed line or a void. */
    Draft draft() {
        return draft;
    }

    /** Whether the record's tree exists (always, unless it is a draft not yet needed as a tree). */
    boolean hasTree() {
        return node != null;
    }

    /** What Pseudonymise does to this draft's tree, should it be built. */
    void pseudonymised(Consumer<ObjectNode> step) {
        this.pseudonymised = step;
    }

    /**
     * The text of a line that could not be parsed, held only until {@link Pseudonymise} (the
     * first step) has hashed it; null afterwards and for parsed records.
     */
    String unparsed() {
        return unparsed;
    }

    /** Forgets the unparsed text, keeping its keyed hash. */
    void hashed(String lineHash) {
        this.lineHash = lineHash;
        this.unparsed = null;
    }

    /** The length in UTF-8 bytes of a line that could not be parsed; null for a parsed record. */
    public Integer lineLength() {
        return lineLength;
    }

    /** The keyed hash (hex) of a line that could not be parsed, once pseudonymised; never its text. */
    public String lineHash() {
        return lineHash;
    }

    public String recordId() {
        return recordId;
    }

    /**
     * The record's id where it may be stored (the dead letter): only a UUID. Any other text sent
     * as the id (a case code typed into the wrong field) is refused by validation and withheld
     * from the dead letter's body, so it is not kept beside it either (DESIGN.md 2); the line
     * names the record.
     */
    public String storableId() {
        return recordId != null && Validate.isUuid(recordId) ? recordId : null;
    }

    /** The record's id as a UUID, once it is valid (parsed on the submitting thread, not the writer's). */
    public UUID id() {
        return record != null ? record.id() : target;
    }

    /** The valid record, pseudonymous, once validation passed. */
    public PseudonymousRecord record() {
        return record;
    }

    public String canonical() {
        return canonical;
    }

    public String contentHash() {
        return contentHash;
    }

    void valid(PseudonymousRecord record, String canonical, String contentHash) {
        this.record = record;
        this.canonical = canonical;
        this.contentHash = contentHash;
    }

    public Outcome outcome() {
        return outcome;
    }

    public boolean pending() {
        return outcome == Outcome.PENDING;
    }

    /** The subject's pseudonymous key once pseudonymised, whatever became of the item; null without one. */
    public UUID subjectKey() {
        if (draft != null && node == null) {
            return draft.key;
        }
        JsonNode key = node == null ? null : node.path("subject").path("key");
        if (key == null || !key.isTextual()) {
            return null;
        }
        try {
            return UUID.fromString(key.asText());
        } catch (IllegalArgumentException e) {
            return null; // a mark validation rejects, not a key
        }
    }

    public List<Violation> violations() {
        return violations;
    }

    public void reject(Violation violation) {
        violations.add(violation);
        outcome = Outcome.REJECTED;
    }

    void rejectAll(List<Violation> found) {
        if (!found.isEmpty()) {
            violations.addAll(found);
            outcome = Outcome.REJECTED;
        }
    }

    void accept() {
        outcome = Outcome.ACCEPTED;
    }

    void duplicate() {
        outcome = Outcome.DUPLICATE;
    }
}

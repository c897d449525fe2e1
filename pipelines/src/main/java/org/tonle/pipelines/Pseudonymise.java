package org.tonle.pipelines;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.programme.api.Violation;

/**
 * The first step of every path: replaces each raw {@code subject.ref} with its pseudonymous
 * {@code subject.key}, before validation, so nothing downstream (validation messages, the
 * dead-letter store, logs) ever holds a raw ref. The same step redacts the case codes of known
 * subjects typed into a record's text attributes ({@link CaseCodes}).
 */
public final class Pseudonymise {

    /** The mark of a name or value that was hashed because it may identify a person. */
    static final String HASHED = "(hashed) ";

    private final SubjectKeys keys;
    private final CaseCodes codes;

    /** Without a warehouse: only the codes of subjects in the same submission are redacted from text. */
    public Pseudonymise(SubjectKeys keys) {
        this(keys, new CaseCodes(keys, asked -> Set.of()));
    }

    public Pseudonymise(SubjectKeys keys, CaseCodes codes) {
        this.keys = keys;
        this.codes = codes;
    }

    public void process(Submission submission) {
        boolean trusted = submission.trusted();
        for (Item item : submission.items()) {
            if (item.draft() != null && !item.hasTree()) {
                Draft draft = item.draft();
                if (draft.ref != null && !draft.ref.isBlank()) {
                    codes.sawRef(draft.ref);
                    draft.key = keys.pseudonym(draft.ref);
                }
                // Should its tree be needed (a rejection, the dead letter), it gets the same treatment.
                item.pseudonymised(node -> {
                    pseudonymise(node, trusted);
                    if (draft.redacted != null && node.get("attributes") instanceof ObjectNode attributes) {
                        draft.redacted.forEach(attributes::put);
                    }
                });
            } else if (item.node() != null) {
                pseudonymise(item.node(), trusted);
            } else if (item.unparsed() != null) {
                // A line that is not JSON cannot be searched for its ref reliably (escapes,
                // quotes, cut-off text), so none of it is kept: only its length and keyed hash.
                item.hashed(keys.lineHash(item.unparsed()));
            }
        }
        redactCaseCodes(submission);
    }

    /**
     * Replaces the case codes of known subjects in every text value of every record's
     * attributes by {@link CaseCodes#MARK}, with one look-up for the whole submission. The
     * subjects of the submission itself count as known: a highlight may arrive with the first
     * record of the child it names.
     */
    private void redactCaseCodes(Submission submission) {
        List<Object> owners = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        // A draft's text is replaced at its place in the draft: looking its name up again would be
        // quadratic in a line of very many attributes.
        List<Integer> places = new ArrayList<>();
        Set<UUID> inSubmission = new HashSet<>();
        for (Item item : submission.items()) {
            UUID key = item.subjectKey();
            if (key != null) {
                inSubmission.add(key);
            }
            if (item.draft() != null && !item.hasTree()) {
                Draft draft = item.draft();
                for (int i = 0; i < draft.attributeValues.size(); i++) {
                    if (draft.attributeValues.get(i) instanceof String text && searchable(item, draft.attributeNames.get(i), text)
                            && CaseCodes.mayHoldCode(text)) {
                        owners.add(draft);
                        names.add(draft.attributeNames.get(i));
                        texts.add(text);
                        places.add(i);
                    }
                }
                continue;
            }
            ObjectNode record = item.node();
            if (record == null) {
                continue;
            }
            if (record.get("attributes") instanceof ObjectNode attributes) {
                for (Map.Entry<String, JsonNode> field : attributes.properties()) {
                    if (field.getValue().isTextual() && searchable(item, field.getKey(), field.getValue().asText())
                            && CaseCodes.mayHoldCode(field.getValue().asText())) {
                        owners.add(attributes);
                        names.add(field.getKey());
                        texts.add(field.getValue().asText());
                        places.add(-1);
                    }
                }
            }
        }
        if (texts.isEmpty()) {
            return;
        }
        List<String> redacted = codes.redact(texts, inSubmission);
        for (int i = 0; i < texts.size(); i++) {
            if (!redacted.get(i).equals(texts.get(i))) {
                if (owners.get(i) instanceof Draft draft) {
                    draft.redact(places.get(i), names.get(i), redacted.get(i));
                } else {
                    ((ObjectNode) owners.get(i)).put(names.get(i), redacted.get(i));
                }
            }
        }
    }

    /**
     * Whether a text value is short enough to search for case codes ({@link CaseCodes#MAX_TEXT_LENGTH},
     * also the longest any text attribute may be declared). A longer one rejects its record here,
     * unsearched: the dead letter keeps the record without it (the value failed its check).
     */
    private static boolean searchable(Item item, String name, String text) {
        if (text.length() <= CaseCodes.MAX_TEXT_LENGTH) {
            return true;
        }
        String field = "attributes." + Validate.shownName(name);
        item.reject(new Violation(field, "max_length", String.format("%s is %,d characters long; no text attribute may hold more than %,d",
                field, text.length(), CaseCodes.MAX_TEXT_LENGTH)));
        return false;
    }

    private void pseudonymise(ObjectNode record, boolean trusted) {
        hashUnknown(record, Validate.FIELDS);
        JsonNode subject = record.get("subject");
        if (subject == null || subject.isNull()) {
            return;
        }
        if (!subject.isObject()) {
            // Not a subject block: it could still be a bare ref, so it never travels as sent.
            record.put("subject", HASHED + keys.pseudonym(subject.isValueNode() ? subject.asText() : subject.toString()));
            return;
        }
        ObjectNode block = (ObjectNode) subject;
        JsonNode ref = block.remove("ref");
        hashUnknown(block, Validate.SUBJECT_FIELDS);
        if (!trusted && block.has("key")) {
            // Only trusted paths (replay, a remote office) may carry a key. Leave a mark that
            // validation rejects, never a value someone chose; the record is refused anyway, so
            // its ref is dropped rather than hashed into a key it could be mistaken for.
            block.put("key", "(not allowed)");
            return;
        }
        if (ref == null || ref.isNull()) {
            return;
        }
        String text = ref.isValueNode() ? ref.asText() : ref.toString();
        if (!text.isBlank()) {
            codes.sawRef(text);
            block.put("key", keys.pseudonym(text).toString());
        }
    }

    /**
     * Members a record may not have are rejected by validation and kept in the dead letter; a
     * sender who put the case code (or a child's name) in one ({@code "case": "PNH-C-0042"},
     * {@code "name": ..}, or as the member's name) must not have it stored. So their values are
     * hashed here, and their names too unless they are plain words: validation still names the
     * member and refuses the record.
     */
    private void hashUnknown(ObjectNode object, Set<String> known) {
        List<String> unknown = null;
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                if (unknown == null) {
                    unknown = new ArrayList<>();
                }
                unknown.add(name);
            }
        }
        if (unknown == null) {
            return;
        }
        for (String name : unknown) {
            JsonNode value = object.remove(name);
            String text = value.isValueNode() ? value.asText() : value.toString();
            String kept = Validate.SHOWN.matcher(name).matches() ? name : HASHED + keys.pseudonym(name).toString().substring(0, 8);
            object.put(kept, HASHED + keys.pseudonym(text));
        }
    }
}

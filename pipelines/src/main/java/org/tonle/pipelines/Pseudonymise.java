package org.tonle.pipelines;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The first step of every path: replaces each raw {@code subject.ref} with its pseudonymous
 * {@code subject.key}, before validation, so nothing downstream (validation messages, the
 * dead-letter store, logs) ever holds a raw ref.
 */
public final class Pseudonymise {

    /** A "ref" member in text that is not valid JSON: quoted (maybe cut off) or bare. */
    private static final Pattern REF_IN_TEXT =
            Pattern.compile("\"ref\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*(?:\"|$)|[^,}\\s]+)");

    private final SubjectKeys keys;

    public Pseudonymise(SubjectKeys keys) {
        this.keys = keys;
    }

    public void process(Submission submission) {
        for (Item item : submission.items()) {
            if (item.node() != null) {
                pseudonymise(item.node(), submission.trusted());
            } else if (item.text() != null) {
                item.text(redact(item.text()));
            }
        }
    }

    private void pseudonymise(ObjectNode record, boolean trusted) {
        JsonNode subject = record.get("subject");
        if (subject == null || subject.isNull()) {
            return;
        }
        if (!subject.isObject()) {
            // Not a subject block: it could still be a bare ref, so it never travels as sent.
            record.put("subject", "(hashed) " + keys.pseudonym(subject.isValueNode() ? subject.asText() : subject.toString()));
            return;
        }
        ObjectNode block = (ObjectNode) subject;
        JsonNode ref = block.remove("ref");
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
            block.put("key", keys.pseudonym(text).toString());
        }
    }

    /** Hashes every ref-shaped value of a line that could not be parsed. */
    String redact(String text) {
        Matcher m = REF_IN_TEXT.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = m.group(1);
            if (value.startsWith("\"")) {
                value = value.substring(1, value.endsWith("\"") && value.length() > 1 ? value.length() - 1 : value.length());
            }
            m.appendReplacement(out, Matcher.quoteReplacement("\"key\":\"" + keys.pseudonym(value) + "\""));
        }
        m.appendTail(out);
        return out.toString();
    }
}

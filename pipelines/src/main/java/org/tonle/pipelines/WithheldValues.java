package org.tonle.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import org.tonle.programme.api.Violation;

/**
 * What of a rejected record the dead letter may keep. A value that failed its check is not
 * kept, unless it is shaped like an id of the declaration (a mistyped enum value): a case code
 * or a child's name typed into the wrong field, or a CSV row whose columns shifted, would
 * otherwise be stored in clear. The fix of a replay sets the field anew.
 */
final class WithheldValues {

    /** Stands in the dead letter for a value that failed its check. */
    static final String WITHHELD = "(withheld)";
    /** Rules about a record's place, not its values: the values are right and kept for the replay. */
    private static final Set<String> PLACE_RULES = Set.of("conflict", "office_not_permitted", "period_locked",
            "programme_check", "required");

    private WithheldValues() {
    }

    static void withhold(ObjectNode record, List<Violation> violations) {
        for (Violation v : violations) {
            if (v.field() == null || v.field().isEmpty() || PLACE_RULES.contains(v.rule())) {
                continue;
            }
            JsonNode parent = record;
            String[] steps = v.field().split("\\.");
            for (int i = 0; i < steps.length && parent != null; i++) {
                String step = steps[i];
                int index = -1;
                if (step.endsWith("]") && step.contains("[")) {
                    index = Integer.parseInt(step.substring(step.indexOf('[') + 1, step.length() - 1));
                    step = step.substring(0, step.indexOf('['));
                }
                boolean last = i == steps.length - 1;
                if (last && step.equals(Validate.NOT_SHOWN)) {
                    // A member whose name could be a case code: the name is not kept either.
                    if (parent instanceof ObjectNode object) {
                        List<String> names = new ArrayList<>();
                        object.fieldNames().forEachRemaining(name -> {
                            if (!Validate.SHOWN.matcher(name).matches()) {
                                names.add(name);
                            }
                        });
                        object.remove(names);
                    }
                } else if (last && index < 0) {
                    if (parent instanceof ObjectNode object && object.has(step) && !plainWord(object.get(step))) {
                        object.put(step, WITHHELD);
                    }
                } else {
                    JsonNode next = parent.get(step);
                    if (index >= 0 && next != null && next.isArray()) {
                        if (last) {
                            if (next.size() > index && !plainWord(next.get(index))) {
                                ((ArrayNode) next).set(index, TextNode.valueOf(WITHHELD));
                            }
                            next = null;
                        } else {
                            next = next.get(index);
                        }
                    }
                    parent = next;
                }
            }
        }
    }

    private static boolean plainWord(JsonNode value) {
        return value == null || value.isNull() || (value.isTextual() && Validate.SHOWN.matcher(value.asText()).matches());
    }
}

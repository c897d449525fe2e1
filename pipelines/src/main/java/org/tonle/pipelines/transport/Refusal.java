package org.tonle.pipelines.transport;

import java.io.IOException;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;

/**
 * A change headquarters did not load, as it tells the office node that sent it (on
 * {@code <refusals_topic>.<node>}): the record's id, the change, the rule and the reason.
 * Never a subject ref: reasons are worded by headquarters' rules, which never quote one.
 *
 * @param id     the record id (a UUID), or null for a message that was not a change at all
 * @param action create, correct or void
 */
public record Refusal(String id, String action, String rule, String reason, Instant refusedAt) {

    String write() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", id);
        node.put("action", action);
        node.put("rule", rule);
        node.put("reason", reason);
        node.put("refused_at", refusedAt.toString());
        return node.toString();
    }

    static Refusal read(String text) {
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            Instant at;
            try {
                at = Instant.parse(node.path("refused_at").asText());
            } catch (RuntimeException e) {
                at = null;
            }
            return new Refusal(node.path("id").asText(null), node.path("action").asText(null), node.path("rule").asText(null),
                    node.path("reason").asText(null), at);
        } catch (IOException | RuntimeException e) {
            return new Refusal(null, null, "unreadable", "headquarters sent a refusal this node cannot read", null);
        }
    }
}

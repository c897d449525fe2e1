package org.tonle.core.declaration;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One kind of thing a programme does and records. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Activity(
        String id,
        Localized name,
        SubjectRule subject,
        List<String> roles,
        List<Attribute> attributes,
        Participants participants) {

    public Activity {
        roles = roles == null ? List.of() : List.copyOf(roles);
        attributes = attributes == null ? List.of() : List.copyOf(attributes);
    }

    public Optional<Attribute> attribute(String name) {
        // A loop, not a stream: validation looks attributes up for every record.
        for (Attribute attribute : attributes) {
            if (attribute.name().equals(name)) {
                return Optional.of(attribute);
            }
        }
        return Optional.empty();
    }

    public boolean hasSubject() {
        return subject != SubjectRule.NONE;
    }
}

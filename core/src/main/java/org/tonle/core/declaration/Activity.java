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
        return attributes.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    public boolean hasSubject() {
        return subject != SubjectRule.NONE;
    }
}

package org.tonle.core.declaration;

import java.util.List;

/** Declares that an activity's records carry participant tallies by group and sex. */
public record Participants(List<String> groups) {

    public Participants {
        groups = groups == null ? List.of() : List.copyOf(groups);
    }
}

package org.tonle.host.service;

import java.util.ArrayList;
import java.util.List;

import org.tonle.pipelines.CaseCodes;

/**
 * Why a highlight is held for its reviewer (DESIGN.md 9.3), worked out from its stored text
 * each time it is read, so that a name added to protected-names.txt holds highlights already
 * written:
 * <ul>
 * <li>it contained the case code of a known subject: the code never reached the warehouse
 * (the pipeline's first step put {@value CaseCodes#MARK} in its place, {@link CaseCodes}), and
 * the mark is what tells;</li>
 * <li>it contains a protected name ({@link ProtectedNames}).</li>
 * </ul>
 */
public final class HighlightHolds {

    private final ProtectedNames names;

    public HighlightHolds(ProtectedNames names) {
        this.names = names;
    }

    /** The reasons to hold a highlight of this text; empty when none. */
    public List<String> reasons(String text) {
        List<String> reasons = new ArrayList<>();
        if (text.contains(CaseCodes.MARK)) {
            reasons.add("contained the case code of a known subject (replaced by " + CaseCodes.MARK
                    + " before it was stored; the code is kept nowhere)");
        }
        for (String name : names.foundIn(text)) {
            reasons.add("contains a protected name from " + ProtectedNames.FILE + ": " + name);
        }
        return reasons;
    }
}

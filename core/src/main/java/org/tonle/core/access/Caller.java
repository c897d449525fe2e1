package org.tonle.core.access;

import java.security.Principal;
import java.util.Set;

import org.tonle.core.config.Role;

/**
 * An authenticated principal.
 *
 * @param programs for donors, the programmes their agreement covers
 * @param offices  for staff, the offices they record for; empty means every office
 */
public record Caller(String name, Role role, Set<String> programs, Set<String> offices) implements Principal {

    public Caller {
        programs = Set.copyOf(programs);
        offices = Set.copyOf(offices);
    }

    @Override
    public String getName() {
        return name;
    }

    /** Whether this caller may see a programme's figures. */
    public boolean maySee(String programme) {
        return role != Role.DONOR || programs.contains(programme);
    }

    /** Offices a staff member may record or read for; {@code null} for everyone else and unrestricted staff. */
    public Set<String> officeScope() {
        return role == Role.STAFF && !offices.isEmpty() ? offices : null;
    }
}

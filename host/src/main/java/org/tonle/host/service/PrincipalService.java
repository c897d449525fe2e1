package org.tonle.host.service;

import java.util.List;
import java.util.function.Supplier;

import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;

/** What a principal may do, spelled out for the pages so that they offer nothing the API would refuse. */
public final class PrincipalService {

    /**
     * The answer of {@code GET /api/v1/me}.
     *
     * @param programs  the live programmes whose figures the principal may read
     * @param offices   the offices the principal may record for and read as staff: a staff member's
     *                  own offices, every configured office for admins and unrestricted staff; for
     *                  donors and analysts the offices whose figures they may read (all)
     * @param mayRecord whether the principal may send activity records
     */
    public record Me(String name, String role, List<String> programs, List<String> offices, boolean mayRecord) {
    }

    private final ProgrammeRegistry registry;
    /** The node's configuration as it stands: a reload adds and removes offices. */
    private final Supplier<TonleConfig> config;

    public PrincipalService(ProgrammeRegistry registry, Supplier<TonleConfig> config) {
        this.registry = registry;
        this.config = config;
    }

    public Me me(Caller caller) {
        List<String> programs = registry.programmes().stream().map(Programme::id).filter(caller::maySee).sorted().toList();
        List<String> offices = caller.officeScope() != null ? caller.officeScope().stream().sorted().toList()
                : config.get().offices().stream().map(o -> o.code()).toList();
        boolean mayRecord = caller.role() == Role.STAFF || caller.role() == Role.ADMIN;
        return new Me(caller.name(), caller.role().id(), programs, offices, mayRecord);
    }
}

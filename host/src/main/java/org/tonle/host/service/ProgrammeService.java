package org.tonle.host.service;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.host.auth.Caller;

/** What the node runs: every programme bundle with its state, and each live programme's declaration. */
public final class ProgrammeService {

    /** A programme bundle as {@code GET /api/v1/programs} shows it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProgrammeView(String id, String name, String department, String bundle, String version, String state,
                                String error, List<String> offices, List<Activity> activities, List<Indicator> indicators) {
    }

    private final ProgrammeRegistry registry;
    private final TonleConfig config;

    public ProgrammeService(ProgrammeRegistry registry, TonleConfig config) {
        this.registry = registry;
        this.config = config;
    }

    public List<ProgrammeView> list(Caller caller) {
        List<ProgrammeView> views = new ArrayList<>();
        for (ProgrammeRegistry.Entry entry : registry.entries()) {
            var p = entry.programme();
            if (p == null) {
                if (caller.role() != org.tonle.core.config.Role.DONOR) {
                    views.add(new ProgrammeView(null, null, null, entry.bundle(), entry.version(), entry.state(), entry.error(),
                            List.of(), List.of(), List.of()));
                }
                continue;
            }
            if (!caller.maySee(p.id())) {
                continue;
            }
            views.add(new ProgrammeView(p.id(), p.name().toString(), p.department(), entry.bundle(), entry.version(), entry.state(),
                    entry.error(), config.officesRunning(p.id()), p.activities(), p.indicators()));
        }
        return views;
    }
}

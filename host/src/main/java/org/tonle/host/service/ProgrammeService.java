package org.tonle.host.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Localized;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.core.i18n.Language;
import org.tonle.programmes.OsgiFramework;
import org.tonle.programmes.ProgrammeExtender;
import org.tonle.programmes.ProgrammeRoutes;
import org.tonle.programmes.RecordChecks;

/**
 * What the node runs: every programme bundle with its state, and each live programme's
 * declaration; and every OSGi bundle for {@code bin/tonle bundles}.
 */
public final class ProgrammeService {

    /**
     * A programme bundle as {@code GET /api/v1/programs} shows it.
     *
     * @param state  {@code active}, {@code not_deployed} (valid, but no office of this node runs it),
     *               {@code failed} (refused, see error), {@code untrusted} (carries code that is
     *               neither listed in trusted-bundles.yaml nor signed by a trusted certificate:
     *               never started), or the OSGi state of a programme bundle
     *               that is not started ({@code installed}, {@code resolved})
     * @param checks why the programme's own Java checks are disabled, when they are (its records
     *               are then rejected with rule {@code programme_check} until the bundle is fixed)
     * @param routes the Camel routes the programme runs
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProgrammeView(String id, String name, String department, String bundle, String version, String state,
                                String error, List<String> offices, List<Activity> activities, List<Indicator> indicators,
                                List<String> checks, List<String> routes) {
    }

    /** One OSGi bundle of the node, for operators. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BundleView(Long id, String bundle, String version, String state, String location, String programme,
                             String programmeState, List<String> offices, String error) {
    }

    private final ProgrammeRegistry registry;
    /** Read at each use: deployments are reloaded while the node runs. */
    private final Supplier<TonleConfig> config;
    private final OsgiFramework osgi;
    private final RecordChecks checks;
    private final ProgrammeRoutes routes;

    public ProgrammeService(ProgrammeRegistry registry, TonleConfig config) {
        this(registry, config, null, null, null);
    }

    public ProgrammeService(ProgrammeRegistry registry, TonleConfig config, OsgiFramework osgi, RecordChecks checks,
                            ProgrammeRoutes routes) {
        this(registry, () -> config, osgi, checks, routes);
    }

    public ProgrammeService(ProgrammeRegistry registry, Supplier<TonleConfig> config, OsgiFramework osgi,
                            RecordChecks checks, ProgrammeRoutes routes) {
        this.registry = registry;
        this.config = config;
        this.osgi = osgi;
        this.checks = checks;
        this.routes = routes;
    }

    public List<ProgrammeView> list(Caller caller) {
        return list(caller, Language.EN);
    }

    /** The programmes with their names, and their activities', indicators' and choices', in {@code language} where declared. */
    public List<ProgrammeView> list(Caller caller, Language language) {
        String tag = language.tag();
        List<ProgrammeView> views = new ArrayList<>();
        Map<String, List<RecordChecks.Failure>> failures = checks == null ? Map.of() : checks.failures();
        Map<Long, ProgrammeRegistry.Entry> known = new HashMap<>();
        for (ProgrammeRegistry.Entry entry : registry.entries()) {
            known.put(entry.bundleId(), entry);
            var p = entry.programme();
            if (p == null) {
                if (caller.role() != Role.DONOR) {
                    views.add(new ProgrammeView(null, null, null, entry.bundle(), entry.version(), entry.state(), entry.error(),
                            List.of(), List.of(), List.of(), null, null));
                }
                continue;
            }
            if (!caller.maySee(p.id())) {
                continue;
            }
            List<String> disabled = entry.active() ? failures.getOrDefault(p.id(), List.of()).stream()
                    .map(f -> "check of bundle " + f.bundle() + " disabled: " + f.error()).toList() : List.of();
            List<String> running = routes == null ? List.of() : routes.routes(entry.bundleId());
            views.add(new ProgrammeView(p.id(), p.name().in(tag), p.department(), entry.bundle(), entry.version(), entry.state(),
                    entry.error(), config.get().officesRunning(p.id()), p.activities().stream().map(a -> in(a, tag)).toList(),
                    p.indicators().stream().map(i -> in(i, tag)).toList(),
                    disabled.isEmpty() ? null : disabled, running.isEmpty() ? null : running));
        }
        if (osgi != null && caller.role() != Role.DONOR) {
            // Programme bundles that are installed but not started: no entry in the registry yet.
            for (Bundle bundle : osgi.bundles()) {
                if (bundle.getHeaders().get(ProgrammeExtender.HEADER) != null && !known.containsKey(bundle.getBundleId())) {
                    Optional<String> untrusted = osgi.trust().refusal(bundle);
                    if (untrusted.isPresent()) {
                        views.add(new ProgrammeView(null, null, null, bundle.getSymbolicName(), bundle.getVersion().toString(),
                                "untrusted", "untrusted: " + untrusted.get(), List.of(), List.of(), List.of(), null, null));
                        continue;
                    }
                    String why = bundle.getState() == Bundle.RESOLVED ? "the bundle is not started (stopped by an operator, or"
                            + " its activator failed: see the node's log)" : null;
                    views.add(new ProgrammeView(null, null, null, bundle.getSymbolicName(), bundle.getVersion().toString(),
                            state(bundle), why, List.of(), List.of(), List.of(), null, null));
                }
            }
            for (OsgiFramework.Refused jar : osgi.refusedJars()) {
                views.add(new ProgrammeView(null, null, null, jar.file(), null, "refused", jar.error(), List.of(), List.of(), List.of(),
                        null, null));
            }
        }
        return views;
    }

    /** Every bundle in the framework, with the programme it declares; not for donors. */
    public List<BundleView> bundles(Caller caller) {
        if (caller.role() == Role.DONOR) {
            throw RequestRefused.notPermitted("donors see programmes (GET /api/v1/programs), not the node's bundles");
        }
        List<BundleView> views = new ArrayList<>();
        if (osgi == null) {
            return views;
        }
        Map<Long, ProgrammeRegistry.Entry> entries = new HashMap<>();
        registry.entries().forEach(e -> entries.put(e.bundleId(), e));
        for (Bundle bundle : osgi.bundles()) {
            ProgrammeRegistry.Entry entry = entries.get(bundle.getBundleId());
            String programme = entry == null || entry.programme() == null ? null : entry.programme().id();
            String location = bundle.getLocation();
            location = location.substring(location.lastIndexOf('/') + 1);
            boolean declares = bundle.getHeaders().get(ProgrammeExtender.HEADER) != null;
            Optional<String> untrusted = osgi.trust().refusal(bundle);
            String state = untrusted.isPresent() ? "untrusted" : state(bundle);
            views.add(new BundleView(bundle.getBundleId(), bundle.getSymbolicName() == null ? bundle.getHeaders().get(Constants.BUNDLE_NAME)
                    : bundle.getSymbolicName(), bundle.getVersion().toString(), state, location, programme,
                    entry != null ? entry.state() : declares ? state : null,
                    programme == null ? null : config.get().officesRunning(programme),
                    untrusted.isPresent() ? "untrusted: " + untrusted.get() : entry == null ? null : entry.error()));
        }
        for (OsgiFramework.Refused jar : osgi.refusedJars()) {
            views.add(new BundleView(null, jar.file(), null, "refused", jar.file(), null, null, null, jar.error()));
        }
        return views;
    }

    /** An activity as the answer shows it: its name and its choices' labels as text in one language. */
    private static Activity in(Activity a, String language) {
        List<Attribute> attributes = a.attributes().stream().map(at -> at.labels() == null ? at
                : new Attribute(at.name(), at.type(), at.values(), at.maxLength(), at.min(), at.max(), at.required(),
                        one(at.labels(), language))).toList();
        return new Activity(a.id(), a.name() == null ? null : Localized.of(a.name().in(language)), a.subject(), a.roles(), attributes,
                a.participants());
    }

    private static Indicator in(Indicator i, String language) {
        return new Indicator(i.code(), i.name() == null ? null : Localized.of(i.name().in(language)), i.measure(), i.activity(), i.where(),
                i.by(), i.unit(), i.sensitive(), i.numerator(), i.denominator(), i.factor());
    }

    private static Map<String, Localized> one(Map<String, Localized> labels, String language) {
        Map<String, Localized> out = new LinkedHashMap<>();
        labels.forEach((value, label) -> out.put(value, Localized.of(label.in(language))));
        return out;
    }

    private static String state(Bundle bundle) {
        return switch (bundle.getState()) {
            case Bundle.INSTALLED -> "installed";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            case Bundle.ACTIVE -> "active";
            default -> "uninstalled";
        };
    }
}

package org.tonle.host.service;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.LanguagePreferences;

/**
 * Each principal's language for the pages (DESIGN.md 9.5): stored by the node, so a person who
 * chose Khmer gets Khmer on any device they sign in on. A language in the address
 * ({@code ?lang=}) still wins for that page; English is the fallback.
 */
public final class LanguageService {

    /** The languages the pages have message files for. */
    public static final Set<String> LANGUAGES = Set.of("en", "km");

    private final LanguagePreferences preferences;
    private final AuditLog audit;

    public LanguageService(LanguagePreferences preferences, AuditLog audit) {
        this.preferences = preferences;
        this.audit = audit;
    }

    public Optional<String> of(Caller caller) {
        return preferences.get(caller.name());
    }

    public String choose(Caller caller, String language) {
        String code = language == null ? "" : language.strip().toLowerCase(Locale.ROOT);
        if (!LANGUAGES.contains(code)) {
            throw RequestRefused.invalid("language: one of " + String.join(", ", LANGUAGES.stream().sorted().toList())
                    + ", not '" + (language == null ? "" : language) + "'");
        }
        preferences.set(caller.name(), code);
        audit.record(caller.name(), caller.role().id(), "language", "PUT /api/v1/me/language", "{\"language\":\"" + code + "\"}", null);
        return code;
    }
}

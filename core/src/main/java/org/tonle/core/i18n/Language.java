package org.tonle.core.i18n;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.ibm.icu.util.ULocale;

/**
 * A language Tonle speaks: English (the fallback, in which every text exists) and Khmer. The
 * host decides one per request ({@code ?lang=}, then {@code Accept-Language}, then English) and
 * passes it to the services; nothing below the host reads a request.
 */
public enum Language {

    EN("en"),
    KM("km");

    private final String tag;
    private final ULocale locale;

    Language(String tag) {
        this.tag = tag;
        this.locale = new ULocale(tag);
    }

    /** The BCP 47 tag: {@code en}, {@code km}. */
    public String tag() {
        return tag;
    }

    public ULocale locale() {
        return locale;
    }

    public Locale javaLocale() {
        return locale.toLocale();
    }

    /** A language from a tag such as {@code km}, {@code km-KH} or {@code EN_gb}; empty when Tonle does not speak it. */
    public static Optional<Language> of(String tag) {
        if (tag == null || tag.isBlank()) {
            return Optional.empty();
        }
        String primary = tag.strip().split("[-_]", 2)[0].toLowerCase(Locale.ROOT);
        for (Language language : values()) {
            if (language.tag.equals(primary)) {
                return Optional.of(language);
            }
        }
        return Optional.empty();
    }

    /**
     * The best language for an {@code Accept-Language} header (RFC 9110: weighted ranges, {@code q=0}
     * excludes); empty when it names none Tonle speaks, or is absent or unreadable.
     */
    public static Optional<Language> ofAcceptLanguage(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        List<Locale.LanguageRange> ranges;
        try {
            ranges = Locale.LanguageRange.parse(header);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        for (Locale.LanguageRange range : ranges) {
            if (range.getWeight() > 0) {
                Optional<Language> language = of(range.getRange());
                if (language.isPresent()) {
                    return language;
                }
            }
        }
        return Optional.empty();
    }
}

package org.tonle.core.declaration;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A name given either as plain text or as a map of language to text
 * ({@code name: {en: Legal counselling, km: ...}}). English is the fallback language.
 */
public record Localized(Map<String, String> byLanguage) {

    public static final String DEFAULT_LANGUAGE = "en";

    public Localized {
        byLanguage = Map.copyOf(byLanguage);
    }

    @JsonCreator
    public static Localized of(Object value) {
        if (value instanceof String text) {
            return new Localized(Map.of(DEFAULT_LANGUAGE, text));
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, String> texts = new LinkedHashMap<>();
            map.forEach((language, text) -> texts.put(String.valueOf(language), String.valueOf(text)));
            return new Localized(texts);
        }
        throw new IllegalArgumentException("a name must be text or a map of language to text");
    }

    /** The text in the given language, else English, else any. */
    public String in(String language) {
        String text = byLanguage.get(language);
        if (text == null) {
            text = byLanguage.get(DEFAULT_LANGUAGE);
        }
        return text != null ? text : byLanguage.values().stream().findFirst().orElse("");
    }

    @JsonValue
    public Object json() {
        return byLanguage.size() == 1 && byLanguage.containsKey(DEFAULT_LANGUAGE) ? byLanguage.get(DEFAULT_LANGUAGE) : byLanguage;
    }

    @Override
    public String toString() {
        return in(DEFAULT_LANGUAGE);
    }
}

package org.tonle.core.i18n;

import java.util.Map;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.concurrent.ConcurrentHashMap;

import com.ibm.icu.text.MessageFormat;

/**
 * One module's texts in every language, from UTF-8 properties files beside its classes
 * ({@code name.properties} in English, {@code name_km.properties} in Khmer; a key missing from a
 * translation falls back to English). Each text is an ICU message: {@code {0}} arguments,
 * {@code plural} (English {@code one}/{@code other}, Khmer {@code other} only, as ICU's CLDR rules
 * say) and {@code select}. Formats are compiled once per language and key.
 */
public final class Messages {

    private final String baseName;
    private final ClassLoader loader;
    private final Map<Language, ResourceBundle> bundles = new ConcurrentHashMap<>();
    private final Map<String, MessageFormat> formats = new ConcurrentHashMap<>();

    /**
     * @param baseName the bundle's name as a resource path without suffix, e.g. {@code org/tonle/reports/report}
     * @param owner    a class whose loader sees the bundle
     */
    public Messages(String baseName, Class<?> owner) {
        this.baseName = baseName;
        this.loader = owner.getClassLoader();
        bundle(Language.EN);
    }

    /** The text of {@code key} in {@code language} with its numbered arguments ({@code {0}}) put in. */
    public String format(Language language, String key, Object... arguments) {
        MessageFormat format = compiled(language, key);
        synchronized (format) {
            return format.format(arguments);
        }
    }

    /** The text of {@code key} in {@code language} with its named arguments ({@code {count}}) put in. */
    public String format(Language language, String key, Map<String, Object> arguments) {
        MessageFormat format = compiled(language, key);
        synchronized (format) {
            return format.format(arguments);
        }
    }

    private MessageFormat compiled(Language language, String key) {
        return formats.computeIfAbsent(language.tag() + "\u0000" + key, k -> new MessageFormat(pattern(language, key), language.locale()));
    }

    /** Whether the bundle has {@code key} (in English, so in every language). */
    public boolean has(String key) {
        return bundle(Language.EN).containsKey(key);
    }

    private String pattern(Language language, String key) {
        try {
            return bundle(language).getString(key);
        } catch (MissingResourceException e) {
            throw new IllegalArgumentException("no message '" + key + "' in " + baseName, e);
        }
    }

    private ResourceBundle bundle(Language language) {
        return bundles.computeIfAbsent(language, l -> ResourceBundle.getBundle(baseName.replace('/', '.'), l.javaLocale(), loader,
                // English is the base file, whatever the JVM's default locale is.
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES)));
    }
}

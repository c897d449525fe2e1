package org.tonle.reports;

import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.ibm.icu.text.ListFormatter;
import com.ibm.icu.text.RuleBasedNumberFormat;
import com.ibm.icu.text.SimpleDateFormat;
import com.ibm.icu.util.Calendar;
import com.ibm.icu.util.ULocale;

import org.tonle.core.i18n.Language;
import org.tonle.core.i18n.Messages;

/**
 * The report's texts in one language: messages from {@code report.properties} (English) and
 * {@code report_km.properties} (Khmer), month names from ICU's CLDR data, numbers spelt out by
 * ICU's rule-based spell-out. Every text of every report format comes from here.
 */
public final class ReportText {

    private static final Messages MESSAGES = new Messages("org/tonle/reports/report", ReportText.class);
    private static final Map<Language, ReportText> BY_LANGUAGE = new ConcurrentHashMap<>();

    private final Language language;

    private ReportText(Language language) {
        this.language = language;
    }

    public static ReportText of(Language language) {
        return BY_LANGUAGE.computeIfAbsent(language, ReportText::new);
    }

    public Language language() {
        return language;
    }

    public String get(String key, Object... arguments) {
        return MESSAGES.format(language, key, arguments);
    }

    /** A unit word ({@code persons}); a unit the bundle does not know stays as declared. */
    public String unit(String unit) {
        return MESSAGES.has("unit." + unit) ? get("unit." + unit) : unit;
    }

    /** A sex code's name ({@code F} → female); other codes stay as they are. */
    public String sex(String code) {
        return MESSAGES.has("sex." + code) ? get("sex." + code) : code;
    }

    /** {@code August 2015}, {@code សីហា 2015}. */
    public String monthName(YearMonth month) {
        return month(month, "report.month.pattern");
    }

    /** {@code Aug 15}, the label under a chart's bar. */
    public String shortMonth(YearMonth month) {
        return month(month, "report.month.short.pattern");
    }

    /** Items joined as the language joins a list: {@code hotline, email and staff}. */
    public String list(List<String> items) {
        return ListFormatter.getInstance(ULocale.forLanguageTag(get("report.list.locale"))).format(items);
    }

    /** A whole number spelt out ({@code three}, {@code បី}). */
    public String words(long value) {
        RuleBasedNumberFormat spellout = new RuleBasedNumberFormat(language.locale(), RuleBasedNumberFormat.SPELLOUT);
        return spellout.format(value);
    }

    private String month(YearMonth month, String patternKey) {
        SimpleDateFormat format = new SimpleDateFormat(get(patternKey), language.locale());
        Calendar calendar = Calendar.getInstance(ULocale.ROOT);
        calendar.clear();
        calendar.set(month.getYear(), month.getMonthValue() - 1, 1);
        format.setCalendar(calendar);
        return format.format(calendar.getTime());
    }
}

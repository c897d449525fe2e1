package org.tonle.reports;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.tonle.core.i18n.Language;

/**
 * Renders a programme's {@code report.conclusion} template (DESIGN.md section 3) with the
 * month's figures:
 * <ul>
 * <li>{@code {code}}: the value;</li>
 * <li>{@code {code:words}}: the value spelt out from zero to ten ("three"), digits above;</li>
 * <li>{@code {code:sex}} or any other {@code by} dimension: the breakdown as {@code F: 82, M: 64},
 * zero categories left out;</li>
 * <li>{@code {code:channel:list}}: the categories of a breakdown with their values, joined as
 * the language joins a list ("hotline (12), email (3) and staff (5)"), zero categories left out;</li>
 * <li>{@code {code:office:names}}: the names of the categories with a published value above zero
 * ("Phnom Penh and Preah Sihanouk"); a withheld category is left out, as naming it would tell
 * that it is not zero;</li>
 * <li>{@code {singular|plural:code}}: the word that agrees with the value ("1 witness",
 * "2 witnesses").</li>
 * </ul>
 * Figures withheld from a donor by disclosure control read {@value #WITHHELD} (in the report's
 * language, {@link ReportText}); nothing is guessed. A template is written per language in the
 * declaration; {@code :words} spells numbers in that language.
 * The placeholder syntax is the one DeclarationReader validates when a bundle is deployed.
 */
public final class ConclusionTemplate {

    /** What a suppressed figure reads as. */
    public static final String WITHHELD = "withheld";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]+)}");
    private static final int WORDS_UP_TO = 10;
    /** The two list forms of a breakdown: with values, or the names alone. */
    public static final String LIST = "list";
    public static final String NAMES = "names";

    /** One figure: a category label (empty for a total), its value ({@code null} when not given) and whether it is suppressed. */
    public record Figure(String label, Number value, boolean suppressed) {
    }

    /** Where the figures come from: the month's total of an indicator, and its breakdown by a dimension. */
    public interface Figures {
        Figure total(String code);

        List<Figure> breakdown(String code, String dimension);

        /** A category's name for a sentence (an office's name, a choice's label); its code by default. */
        default String name(String code, String dimension, String value) {
            return value;
        }
    }

    private ConclusionTemplate() {
    }

    /** The indicator codes a template names, in order of first mention. */
    public static List<String> codes(String template) {
        List<String> codes = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            String body = m.group(1).trim();
            int colon = body.lastIndexOf(':');
            String code = (body.contains("|") ? body.substring(colon + 1) : colon < 0 ? body : body.substring(0, body.indexOf(':'))).trim();
            if (!codes.contains(code)) {
                codes.add(code);
            }
        }
        return codes;
    }

    public static String render(String template, Figures figures) {
        return render(template, figures, ReportText.of(Language.EN));
    }

    public static String render(String template, Figures figures, ReportText text) {
        Matcher m = PLACEHOLDER.matcher(template.strip());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(placeholder(m.group(1).trim(), figures, text)));
        }
        m.appendTail(out);
        return out.toString().replaceAll("\\s+", " ");
    }

    private static String placeholder(String body, Figures figures, ReportText text) {
        int colon = body.lastIndexOf(':');
        if (body.contains("|")) {
            String[] forms = body.substring(0, colon).split("\\|", 2);
            Figure figure = figures.total(body.substring(colon + 1).trim());
            return isOne(figure) ? forms[0].trim() : forms[1].trim();
        }
        if (colon < 0) {
            return number(figures.total(body), text);
        }
        String[] parts = body.split(":");
        if (parts.length == 3) {
            String code = parts[0].trim();
            String dimension = parts[1].trim();
            List<Figure> named = figures.breakdown(code, dimension).stream()
                    .map(f -> new Figure(figures.name(code, dimension, f.label()), f.value(), f.suppressed())).toList();
            return listed(named, parts[2].trim(), text);
        }
        String code = body.substring(0, colon).trim();
        String format = body.substring(colon + 1).trim();
        if (format.equals("words")) {
            return words(figures.total(code), text);
        }
        List<Figure> cells = figures.breakdown(code, format).stream()
                .filter(f -> f.suppressed() || (f.value() != null && f.value().doubleValue() != 0))
                .toList();
        if (cells.isEmpty()) {
            return text.get("figure.none");
        }
        return cells.stream().map(f -> text.get("figure.breakdown", f.label(), number(f, text)))
                .collect(Collectors.joining(text.get("figure.separator")));
    }

    private static String listed(List<Figure> breakdown, String form, ReportText text) {
        List<String> items = form.equals(NAMES)
                ? breakdown.stream().filter(f -> !f.suppressed() && f.value() != null && f.value().doubleValue() > 0).map(Figure::label).toList()
                : breakdown.stream().filter(f -> f.suppressed() || (f.value() != null && f.value().doubleValue() != 0))
                        .map(f -> text.get("figure.listed", f.label(), number(f, text))).toList();
        return items.isEmpty() ? text.get("figure.none") : text.list(items);
    }

    private static boolean isOne(Figure figure) {
        return !figure.suppressed() && figure.value() != null && figure.value().doubleValue() == 1;
    }

    static String number(Figure figure) {
        return number(figure, ReportText.of(Language.EN));
    }

    static String number(Figure figure, ReportText text) {
        if (figure.suppressed()) {
            return text.get("figure.withheld");
        }
        if (figure.value() == null) {
            return text.get("figure.na");
        }
        if (figure.value() instanceof BigDecimal decimal) {
            return decimal.stripTrailingZeros().toPlainString();
        }
        if (figure.value() instanceof Double || figure.value() instanceof Float) {
            return BigDecimal.valueOf(figure.value().doubleValue()).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(figure.value().longValue());
    }

    private static String words(Figure figure, ReportText text) {
        if (!figure.suppressed() && figure.value() != null && !(figure.value() instanceof BigDecimal)) {
            long value = figure.value().longValue();
            if (value >= 0 && value <= WORDS_UP_TO) {
                return text.words(value);
            }
        }
        return number(figure, text);
    }
}

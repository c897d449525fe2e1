package org.tonle.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.tonle.core.i18n.Language;

/**
 * A bar chart of one indicator over the last twelve months, stacked by sex where the indicator
 * allows it, laid out here (coordinates as text) so that the templates only draw: the same SVG
 * goes inline into the HTML page and, through Batik, into the PDF. Hand-placed rectangles keep
 * the SVG small and free of scripts and fonts a PDF renderer would not have.
 *
 * @param series    the stacked categories in drawing order, with their colours (the legend)
 * @param months    one bar per month
 * @param ticks     the horizontal grid lines of the value axis
 * @param table     the same figures as rows, for the Markdown report and screen readers
 * @param withheld  whether any figure is withheld from this reader by disclosure control
 * @param text      the captions in the report's language
 */
public record Chart(String code, String name, String unit, List<Series> series, List<Bar> months, List<Tick> ticks,
                    List<String> tableHeader, List<List<String>> table, boolean withheld, Captions text) {

    /** The chart's sentences in the report's language, so the templates hold no words. */
    public record Captions(String caption, String tableCaption, String label, String withheldNote, String withheldTableNote) {
    }

    public static final int WIDTH = 640;
    public static final int HEIGHT = 240;
    private static final int LEFT = 44;
    private static final int RIGHT = 12;
    private static final int TOP = 22;
    private static final int BOTTOM = 40;
    private static final String TOTAL_COLOUR = "#2a7f62";
    private static final Map<String, String> SEX_COLOURS = Map.of("F", "#c0467a", "M", "#3a6ea5", "X", "#8a5cb8", "U", "#9a9a9a");

    /** A legend entry. */
    public record Series(String label, String colour) {
    }

    /** One month's bar: its stacked segments, the month's total written on top and the axis label. */
    public record Bar(String month, String label, String labelX, String labelY, String total, String totalY,
                      List<Segment> segments) {
    }

    /** One rectangle of a bar. */
    public record Segment(String x, String y, String width, String height, String colour, String title) {
    }

    /** A grid line with its value. */
    public record Tick(String y, String label) {
    }

    /** One month's figures: the total, and the value of each category (null when withheld). */
    public record Month(String month, String shortLabel, ConclusionTemplate.Figure total, Map<String, ConclusionTemplate.Figure> byCategory) {

        /** A category's figure; zero when the month has no cell for it. */
        ConclusionTemplate.Figure of(String category) {
            return byCategory.getOrDefault(category, new ConclusionTemplate.Figure(category, 0L, false));
        }
    }

    /** Whether the bars are stacked by category (and so need a legend). */
    public boolean stacked() {
        return !series.isEmpty();
    }

    public int width() {
        return WIDTH;
    }

    public int height() {
        return HEIGHT;
    }

    /**
     * Lays out the chart.
     *
     * @param categories the categories in stacking order ({@code F M X U}), empty for totals only
     */
    public static Chart of(String code, String name, String unit, List<String> categories, List<Month> data) {
        return of(code, name, unit, categories, data, ReportText.of(Language.EN));
    }

    /** Lays out the chart with its words in the language of {@code text}. */
    public static Chart of(String code, String name, String unit, List<String> categories, List<Month> data, ReportText text) {
        // Categories that are zero in every month would only clutter the legend.
        List<String> shown = categories.stream().filter(c -> data.stream().anyMatch(m -> {
            ConclusionTemplate.Figure f = m.of(c);
            return f != null && (f.suppressed() || (f.value() != null && f.value().doubleValue() != 0));
        })).toList();
        double max = 0;
        boolean withheld = false;
        for (Month m : data) {
            double stacked = 0;
            for (String c : shown) {
                ConclusionTemplate.Figure f = m.of(c);
                withheld |= f.suppressed();
                stacked += value(f);
            }
            withheld |= m.total().suppressed();
            max = Math.max(max, Math.max(stacked, value(m.total())));
        }
        double top = niceCeiling(max);
        double plotHeight = HEIGHT - TOP - BOTTOM;
        double slot = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, data.size());
        double barWidth = slot * 0.62;

        List<Tick> ticks = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            double v = top * i / 4;
            ticks.add(new Tick(fmt(TOP + plotHeight - plotHeight * v / top), fmt(v)));
        }
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            Month m = data.get(i);
            double x = LEFT + slot * i + (slot - barWidth) / 2;
            double base = TOP + plotHeight;
            List<Segment> segments = new ArrayList<>();
            List<String> parts = shown.isEmpty() ? List.of("") : shown;
            for (String c : parts) {
                ConclusionTemplate.Figure f = c.isEmpty() ? m.total() : m.of(c);
                double h = plotHeight * value(f) / top;
                if (h <= 0) {
                    continue;
                }
                base -= h;
                String colour = c.isEmpty() ? TOTAL_COLOUR : SEX_COLOURS.getOrDefault(c, TOTAL_COLOUR);
                String title = m.month() + (c.isEmpty() ? "" : " " + c) + ": " + ConclusionTemplate.number(f, text);
                segments.add(new Segment(fmt(x), fmt(base), fmt(barWidth), fmt(h), colour, title));
            }
            double stackedTop = Math.min(base, TOP + plotHeight - plotHeight * value(m.total()) / top);
            String total = ConclusionTemplate.number(m.total(), text) + (shownWithheld(m, shown) ? "*" : "");
            bars.add(new Bar(m.month(), m.shortLabel(), fmt(x + barWidth / 2), fmt(HEIGHT - BOTTOM + 16), total,
                    fmt(stackedTop - 4), segments));
        }
        List<Series> series = new ArrayList<>();
        shown.forEach(c -> series.add(new Series(text.get("chart.series", c, text.sex(c)), SEX_COLOURS.getOrDefault(c, TOTAL_COLOUR))));

        List<String> header = new ArrayList<>();
        header.add(text.get("chart.month"));
        shown.forEach(header::add);
        header.add(text.get("chart.total"));
        List<List<String>> table = new ArrayList<>();
        for (Month m : data) {
            List<String> row = new ArrayList<>();
            row.add(m.month());
            shown.forEach(c -> row.add(ConclusionTemplate.number(m.of(c), text)));
            row.add(ConclusionTemplate.number(m.total(), text));
            table.add(row);
        }
        String unitWord = text.unit(unit);
        Captions captions = new Captions(text.get("chart.caption", name, unitWord), text.get("chart.caption.table", name, unitWord), text.get("chart.label", name),
                text.get("chart.withheld"), text.get("chart.withheld.table"));
        return new Chart(code, name, unitWord, series, bars, ticks, header, table, withheld, captions);
    }

    private static boolean shownWithheld(Month m, List<String> shown) {
        return shown.stream().anyMatch(c -> m.of(c).suppressed());
    }

    private static double value(ConclusionTemplate.Figure f) {
        return f == null || f.suppressed() || f.value() == null ? 0 : f.value().doubleValue();
    }

    /**
     * The top of the value axis: four grid steps, each the smallest of 1, 2, 2.5 (from 10 up) or 5
     * times a power of ten that reaches {@code max}, so every grid line is a whole number.
     */
    static double niceCeiling(double max) {
        double need = Math.max(1, max / 4);
        double power = Math.pow(10, Math.floor(Math.log10(need)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if ((step != 2.5 || power >= 10) && step * power >= need) {
                return 4 * step * power;
            }
        }
        return 40 * power;
    }

    private static String fmt(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    /** Rows of {@link #table} as maps, for templates that cannot index lists. */
    public List<Map<String, Object>> rows() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<String> row : table) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("cells", row);
            rows.add(r);
        }
        return rows;
    }
}

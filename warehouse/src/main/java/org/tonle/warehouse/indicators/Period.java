package org.tonle.warehouse.indicators;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reporting period: a month ({@code 2015-08}), a quarter ({@code 2015-Q3}) or a year
 * ({@code 2015}), written back exactly as requested. {@code end} is exclusive.
 */
public record Period(String label, Kind kind, LocalDate start, LocalDate end) {

    public enum Kind { MONTH, QUARTER, YEAR }

    private static final Pattern MONTH = Pattern.compile("(\\d{4})-(\\d{2})");
    private static final Pattern QUARTER = Pattern.compile("(\\d{4})-Q([1-4])");
    private static final Pattern YEAR = Pattern.compile("(\\d{4})");

    public static final String FORMS = "a month (2015-08), a quarter (2015-Q3), a year (2015) or a range of one kind (2015-06..2015-08)";

    /** One period, or every period of a range {@code A..B} (inclusive, same kind). */
    public static List<Period> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("period is missing: give " + FORMS);
        }
        int dots = text.indexOf("..");
        if (dots < 0) {
            return List.of(single(text.trim()));
        }
        Period first = single(text.substring(0, dots).trim());
        Period last = single(text.substring(dots + 2).trim());
        if (first.kind != last.kind || last.start.isBefore(first.start)) {
            throw new IllegalArgumentException("period range '" + text + "' must go forward between two periods of one kind");
        }
        List<Period> periods = new ArrayList<>();
        for (Period p = first; !p.start.isAfter(last.start); p = p.next()) {
            periods.add(p);
            if (periods.size() > 240) {
                throw new IllegalArgumentException("period range '" + text + "' has more than 240 periods");
            }
        }
        return periods;
    }

    public static Period single(String text) {
        Matcher m = MONTH.matcher(text);
        if (m.matches()) {
            int month = Integer.parseInt(m.group(2));
            if (month >= 1 && month <= 12) {
                return month(YearMonth.of(Integer.parseInt(m.group(1)), month));
            }
        }
        m = QUARTER.matcher(text);
        if (m.matches()) {
            int year = Integer.parseInt(m.group(1));
            int quarter = Integer.parseInt(m.group(2));
            LocalDate start = LocalDate.of(year, quarter * 3 - 2, 1);
            return new Period(text, Kind.QUARTER, start, start.plusMonths(3));
        }
        m = YEAR.matcher(text);
        if (m.matches()) {
            LocalDate start = LocalDate.of(Integer.parseInt(text), 1, 1);
            return new Period(text, Kind.YEAR, start, start.plusYears(1));
        }
        throw new IllegalArgumentException("period '" + text + "' is not " + FORMS);
    }

    public static Period month(YearMonth month) {
        return new Period(month.toString(), Kind.MONTH, month.atDay(1), month.plusMonths(1).atDay(1));
    }

    private Period next() {
        return switch (kind) {
            case MONTH -> month(YearMonth.from(start).plusMonths(1));
            case QUARTER -> single(start.plusMonths(3).getYear() + "-Q" + ((start.plusMonths(3).getMonthValue() - 1) / 3 + 1));
            case YEAR -> single(String.valueOf(start.getYear() + 1));
        };
    }
}

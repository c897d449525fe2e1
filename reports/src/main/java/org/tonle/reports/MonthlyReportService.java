package org.tonle.reports;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.tonle.core.Dimensions;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Office;
import org.tonle.core.config.Role;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.core.i18n.Language;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.Highlights;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorService;
import org.tonle.warehouse.indicators.Period;

/**
 * Builds the monthly report for a reader. Every figure comes from {@link IndicatorService}, so
 * a donor's report holds only the programmes of their agreement and every figure passes the
 * same disclosure control as the indicator API; highlights are only those staff marked public.
 */
public final class MonthlyReportService {

    private static final Pattern MONTH = Pattern.compile("\\d{4}-\\d{2}");
    private static final int CHART_MONTHS = 12;

    private final ProgrammeRegistry programmes;
    /** The node's configuration as it stands: a reload changes the offices, their names and deployments. */
    private final Supplier<TonleConfig> config;
    private final IndicatorService indicators;
    private final Highlights highlights;
    private final AuditLog audit;

    public MonthlyReportService(ProgrammeRegistry programmes, Supplier<TonleConfig> config, IndicatorService indicators,
                                Highlights highlights, AuditLog audit) {
        this.programmes = programmes;
        this.config = config;
        this.indicators = indicators;
        this.highlights = highlights;
        this.audit = audit;
    }

    /** The report in English. */
    public MonthlyReport report(Caller caller, String monthText) {
        return report(caller, monthText, Language.EN);
    }

    /**
     * The report of a month ({@code 2015-08}), a quarter ({@code 2015-Q3}) or a year ({@code 2015})
     * with its texts, and the programmes' names and sentences where declared, in {@code language}.
     */
    public MonthlyReport report(Caller caller, String periodText, Language language) {
        Period period = period(periodText);
        ReportText text = ReportText.of(language);
        List<MonthlyReport.Section> sections = new ArrayList<>();
        for (Programme programme : inReportOrder()) {
            if (caller.maySee(programme.id())) {
                sections.add(section(caller, programme, period, text));
            }
        }
        if (caller.role() == Role.DONOR || caller.role() == Role.ANALYST) {
            audit.record(caller.name(), caller.role().id(), "read", "GET /api/v1/reports/" + period.label(),
                    "{\"programmes\":" + sections.size() + "}", (long) sections.size());
        }
        String periodName = switch (period.kind()) {
            case MONTH -> text.monthName(YearMonth.from(period.start()));
            case QUARTER -> text.get("report.quarter", period.label().substring(6), period.start().getYear());
            case YEAR -> period.label();
        };
        String generated = LocalDate.now().toString();
        String title = config.get().settings().organisation().displayName()
                .map(name -> text.get("report.title.organisation", periodName, name)).orElseGet(() -> text.get("report.title", periodName));
        return new MonthlyReport(title, period.label(), periodName, generated, sections,
                language.tag(), text.get("report.generated", generated), text.get("report.empty"));
    }

    public static YearMonth month(String text) {
        if (text != null && MONTH.matcher(text).matches()) {
            try {
                return YearMonth.parse(text);
            } catch (DateTimeParseException e) {
                // fall through to the one message below
            }
        }
        throw RequestRefused.invalid("month: '" + text + "' is not a month; write it as yyyy-mm, e.g. 2015-08");
    }

    static Period period(String text) {
        try {
            return Period.single(text == null ? "" : text.strip());
        } catch (IllegalArgumentException e) {
            throw RequestRefused.invalid("period: '" + text + "' is not a month (2015-08), a quarter (2015-Q3) or a year (2015)");
        }
    }

    /**
     * Programmes in the order the organisation lists them: the deployments of its offices in
     * offices.yaml order (headquarters first), so the report reads like the one staff wrote.
     */
    private List<Programme> inReportOrder() {
        Set<String> order = new LinkedHashSet<>();
        TonleConfig current = config.get();
        for (Office office : current.offices()) {
            order.addAll(current.deployments().getOrDefault(office.code(), List.of()));
        }
        List<Programme> live = new ArrayList<>(programmes.programmes());
        List<String> ranked = List.copyOf(order);
        live.sort(Comparator.comparingInt((Programme p) -> ranked.contains(p.id()) ? ranked.indexOf(p.id()) : Integer.MAX_VALUE)
                .thenComparing(Programme::id));
        return live;
    }

    private MonthlyReport.Section section(Caller caller, Programme programme, Period period, ReportText text) {
        String language = text.language().tag();
        List<Highlights.Highlight> all = highlights.publicHighlights(programme.id(), period.start(), period.end());
        MonthFigures figures = new MonthFigures(caller, period.label(), programme, text);
        String conclusion = programme.report() == null || programme.report().conclusion() == null ? null
                : text.get("report.conclusion", ConclusionTemplate.render(programme.report().conclusion().in(language), figures, text));
        Indicator headline = headline(programme);
        YearMonth last = YearMonth.from(period.end().minusDays(1));
        Chart chart = headline == null ? null : chart(caller, headline, last, text);
        return new MonthlyReport.Section(programme.id(), programme.name().in(language), texts(all, null), conclusion, chart,
                MonthlyReport.Titled.of(text.get("report.challenges"), texts(all, Highlights.CHALLENGE)),
                MonthlyReport.Titled.of(text.get(period.kind() == Period.Kind.MONTH ? "report.plans.month" : "report.plans"),
                        texts(all, Highlights.PLAN)),
                MonthlyReport.Titled.of(text.get("report.targets"), targets(programme, figures, text)));
    }

    /** The texts of one kind of highlight; {@code null}: the highlights that are neither challenges nor plans. */
    private static List<String> texts(List<Highlights.Highlight> all, String kind) {
        return all.stream().filter(h -> kind == null ? !h.kind().equals(Highlights.CHALLENGE) && !h.kind().equals(Highlights.PLAN)
                : h.kind().equals(kind)).map(Highlights.Highlight::text).toList();
    }

    /**
     * Targets against actuals: one line per indicator with a target written for exactly this
     * period (config/targets.yaml), read once with the conclusion's figures.
     */
    private static List<String> targets(Programme programme, MonthFigures figures, ReportText text) {
        List<String> lines = new ArrayList<>();
        for (Indicator indicator : programme.indicators()) {
            IndicatorService.Values values = figures.values(indicator.code(), null);
            for (IndicatorService.Achievement target : values.targets()) {
                if (!target.period().equals(target.targetPeriod()) || target.target() == null) {
                    continue;
                }
                ConclusionTemplate.Figure actual = figure("", values.cells().get(0));
                String achieved = target.achievement() == null ? text.get("figure.na")
                        : ConclusionTemplate.number(new ConclusionTemplate.Figure("", target.achievement(), false), text);
                lines.add(text.get("report.target", indicator.name().in(text.language().tag()),
                        ConclusionTemplate.number(actual, text),
                        ConclusionTemplate.number(new ConclusionTemplate.Figure("", target.target(), false), text), achieved));
            }
        }
        return lines;
    }

    /**
     * The indicator a programme's chart shows: the first one its conclusion names that can be
     * broken down by sex, else the first one it names, else its first indicator.
     */
    static Indicator headline(Programme programme) {
        List<Indicator> named = new ArrayList<>();
        if (programme.report() != null && programme.report().conclusion() != null) {
            ConclusionTemplate.codes(programme.report().conclusion().toString()).forEach(code -> programme.indicator(code).ifPresent(named::add));
        }
        if (named.isEmpty()) {
            named.addAll(programme.indicators());
        }
        return named.stream().filter(i -> i.by().contains(Dimensions.SEX)).findFirst()
                .orElse(named.isEmpty() ? null : named.get(0));
    }

    private Chart chart(Caller caller, Indicator indicator, YearMonth month, ReportText text) {
        String range = month.minusMonths(CHART_MONTHS - 1) + ".." + month;
        boolean bySex = indicator.by().contains(Dimensions.SEX);
        List<Cell> totals = indicators.values(caller, indicator.code(), List.of(range), null, List.of(),
                IndicatorService.APPROVED)
                .cells();
        List<Cell> sexes = bySex ? indicators.values(caller, indicator.code(), List.of(range), null, List.of(Dimensions.SEX),
                IndicatorService.APPROVED).cells() : List.of();
        List<String> categories = new ArrayList<>();
        List<Chart.Month> data = new ArrayList<>();
        for (Cell total : totals) {
            Map<String, ConclusionTemplate.Figure> byCategory = new HashMap<>();
            for (Cell cell : sexes) {
                if (cell.period().equals(total.period())) {
                    String sex = cell.dimensions().get(Dimensions.SEX);
                    if (!categories.contains(sex)) {
                        categories.add(sex);
                    }
                    byCategory.put(sex, figure(sex, cell));
                }
            }
            data.add(new Chart.Month(total.period(), text.shortMonth(YearMonth.parse(total.period())), figure("", total), byCategory));
        }
        return Chart.of(indicator.code(), indicator.name().in(text.language().tag()), indicator.effectiveUnit(), categories, data, text);
    }

    private static ConclusionTemplate.Figure figure(String label, Cell cell) {
        return new ConclusionTemplate.Figure(label, cell.value(), cell.suppressed());
    }

    /** The period's figures for one reader, each indicator read once per breakdown. */
    private final class MonthFigures implements ConclusionTemplate.Figures {

        private final Caller caller;
        private final String period;
        private final Map<String, IndicatorService.Values> read = new HashMap<>();

        private final Programme programme;
        private final ReportText text;

        MonthFigures(Caller caller, String period, Programme programme, ReportText text) {
            this.caller = caller;
            this.period = period;
            this.programme = programme;
            this.text = text;
        }

        @Override
        public String name(String code, String dimension, String value) {
            return switch (dimension) {
                case Dimensions.OFFICE -> config.get().office(value).map(Office::name).orElse(value);
                case Dimensions.SEX -> text.sex(value);
                case Dimensions.GROUP -> value.replace('_', ' ');
                default -> programme.indicator(code).stream().flatMap(i -> i.activity().stream())
                        .flatMap(a -> programme.activity(a).stream()).flatMap(a -> a.attribute(dimension).stream())
                        .findFirst().map(attribute -> attribute.label(value, text.language().tag())).orElse(value);
            };
        }

        @Override
        public ConclusionTemplate.Figure total(String code) {
            return figure("", cells(code, null).get(0));
        }

        @Override
        public List<ConclusionTemplate.Figure> breakdown(String code, String dimension) {
            return cells(code, dimension).stream().map(c -> figure(c.dimensions().get(dimension), c)).toList();
        }

        private List<Cell> cells(String code, String dimension) {
            return values(code, dimension).cells();
        }

        IndicatorService.Values values(String code, String dimension) {
            return read.computeIfAbsent(code + "/" + dimension, key -> indicators.values(caller, code, List.of(period), null,
                    dimension == null ? List.of() : List.of(dimension), IndicatorService.APPROVED));
        }
    }
}

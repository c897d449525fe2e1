package org.tonle.host.service;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tonle.core.config.Role;
import org.tonle.core.config.Targets;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.host.auth.Caller;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.DisclosureControl;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorQuery;
import org.tonle.warehouse.indicators.Period;

/**
 * Indicator values for a caller: checks the parameters and the caller's scope, asks the
 * engine, applies disclosure control for donors and audits the read.
 */
public final class IndicatorService {

    /**
     * The answer of {@code GET /api/v1/indicators/{code}/values}.
     *
     * @param targets one entry per requested period whose year has a target or baseline
     */
    public record Values(String indicator, String name, String unit, List<String> by, List<Cell> cells,
                         List<Achievement> targets) {
    }

    /**
     * A period's yearly target and baseline (config/targets.yaml). {@code value} is the period's
     * total and {@code achievement} is value / target × 100, given for year periods only, and
     * left out for donors when the total could be a suppressed cell.
     */
    public record Achievement(String period, int year, Double target, Double baseline, Number value, Double achievement) {
    }

    /** One entry of the catalogue. */
    public record CatalogueEntry(String code, String name, String programme, String measure, String unit, List<String> by,
                                 boolean sensitive) {
    }

    private final IndicatorEngine engine;
    private final ProgrammeRegistry programmes;
    private final AuditLog audit;
    private final DisclosureControl disclosure;
    private final TonleConfig config;
    private final Targets targets;

    public IndicatorService(IndicatorEngine engine, ProgrammeRegistry programmes, AuditLog audit, DisclosureControl disclosure) {
        this(engine, programmes, audit, disclosure, null, Targets.none());
    }

    /** With office names (config) and yearly targets for the answers. */
    public IndicatorService(IndicatorEngine engine, ProgrammeRegistry programmes, AuditLog audit, DisclosureControl disclosure,
                            TonleConfig config, Targets targets) {
        this.engine = engine;
        this.programmes = programmes;
        this.audit = audit;
        this.disclosure = disclosure;
        this.config = config;
        this.targets = targets;
    }

    public List<CatalogueEntry> catalogue(Caller caller) {
        List<CatalogueEntry> entries = new ArrayList<>();
        for (Programme programme : programmes.programmes()) {
            if (!caller.maySee(programme.id())) {
                continue;
            }
            for (Indicator i : programme.indicators()) {
                entries.add(new CatalogueEntry(i.code(), i.name().toString(), programme.id(), i.measure().name().toLowerCase(),
                        i.effectiveUnit(), i.by(), i.isSensitive()));
            }
        }
        return entries;
    }

    public Values values(Caller caller, String code, List<String> periodParams, String office, List<String> byParams) {
        Indicator indicator = engine.indicator(code).orElseThrow(() -> new ServiceException.NotFound("indicator '" + code
                + "' is not known; GET /api/v1/indicators lists the ones you may read"));
        if (!caller.maySee(indicator.programme())) {
            throw new ServiceException.Forbidden("your agreement does not cover the " + indicator.programme() + " programme");
        }
        List<Period> periods = periods(periodParams);
        List<String> by = by(byParams, indicator);
        office = officeFor(caller, office, indicator);
        IndicatorQuery query = new IndicatorQuery(indicator, periods, office, by);
        List<Cell> cells;
        try {
            cells = engine.evaluate(query);
        } catch (IllegalArgumentException e) {
            // e.g. a ratio broken down by a dimension its numerator or denominator does not allow
            throw new ServiceException.InvalidRequest(e.getMessage());
        }
        if (caller.role() == Role.DONOR) cells = disclosure.forDonor(query, cells); // DESIGN.md section 6
        if (caller.role() == Role.DONOR || caller.role() == Role.ANALYST) {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("period", periodParams);
            parameters.put("office", office);
            parameters.put("by", by);
            audit.record(caller.name(), caller.role().id(), "read", "GET /api/v1/indicators/" + code + "/values",
                    Json.write(parameters), (long) cells.size());
        }
        return new Values(indicator.code(), indicator.name().toString(), indicator.effectiveUnit(), by, cells,
                achievements(caller, indicator, periods, office, by, cells));
    }

    private List<Achievement> achievements(Caller caller, Indicator indicator, List<Period> periods, String office,
                                           List<String> by, List<Cell> cells) {
        List<Achievement> result = new ArrayList<>();
        List<Period> withTarget = periods.stream()
                .filter(p -> targets.of(indicator.code(), p.start().getYear()).isPresent()).toList();
        if (withTarget.isEmpty()) {
            return result;
        }
        // A donor's total is a disaggregated cell when an office is named, and may be suppressed
        // when the indicator is sensitive: then no value, so nothing to derive.
        boolean mayShowValue = caller.role() != Role.DONOR || (office == null && !indicator.isSensitive());
        List<Cell> totals = by.isEmpty() ? cells : engine.evaluate(new IndicatorQuery(indicator, withTarget, office, List.of()));
        Map<String, Number> totalByPeriod = new LinkedHashMap<>();
        totals.forEach(c -> totalByPeriod.put(c.period(), c.value()));
        for (Period period : withTarget) {
            Targets.Target t = targets.of(indicator.code(), period.start().getYear()).orElseThrow();
            Number value = mayShowValue ? totalByPeriod.get(period.label()) : null;
            Double achievement = null;
            if (period.kind() == Period.Kind.YEAR && value != null && t.target() != null && t.target() > 0) {
                achievement = Math.round(value.doubleValue() / t.target() * 1000) / 10.0;
            }
            result.add(new Achievement(period.label(), period.start().getYear(), t.target(), t.baseline(), value, achievement));
        }
        return result;
    }

    /**
     * Several indicators in one table for dashboards ({@code GET /api/v1/analytics}): each
     * indicator is read through {@link #values}, so scope, disclosure control and audit apply
     * to each. Every indicator must allow every {@code by} dimension.
     */
    public Analytics analytics(Caller caller, List<String> codes, List<String> periodParams, String office,
                               List<String> byParams) {
        if (codes == null || codes.isEmpty()) {
            throw new ServiceException.InvalidRequest("indicator is required: name one or more, e.g. indicator=social.clients_met"
                    + "&indicator=legal.court_represented (GET /api/v1/indicators lists them)");
        }
        List<Values> answers = new ArrayList<>();
        for (String code : codes.stream().distinct().toList()) {
            answers.add(values(caller, code, periodParams, office, byParams));
        }
        List<String> by = answers.get(0).by();
        return new Analytics(by, answers);
    }

    /** The answer of the analytics endpoint: the per-indicator values, in request order. */
    public record Analytics(List<String> by, List<Values> values) {
    }

    /** The values as a table: period, one column per {@code by} dimension, value, suppressed. */
    public static Table table(Values values) {
        return table(List.of(values), values.by(), false);
    }

    /** The analytics answer as a table: indicator, period, one column per dimension, value, suppressed. */
    public static Table table(Analytics analytics) {
        return table(analytics.values(), analytics.by(), true);
    }

    private static Table table(List<Values> answers, List<String> by, boolean withIndicator) {
        List<Table.Column> columns = new ArrayList<>();
        if (withIndicator) {
            columns.add(new Table.Column("indicator", Table.Type.TEXT));
        }
        columns.add(new Table.Column("period", Table.Type.TEXT));
        by.forEach(d -> columns.add(new Table.Column(d, Table.Type.TEXT)));
        boolean decimals = answers.stream().flatMap(v -> v.cells().stream())
                .anyMatch(c -> c.value() != null && !(c.value() instanceof Long || c.value() instanceof Integer));
        columns.add(new Table.Column("value", decimals ? Table.Type.NUMBER : Table.Type.INTEGER));
        columns.add(new Table.Column("suppressed", Table.Type.BOOLEAN));
        List<List<Object>> rows = new ArrayList<>();
        for (Values values : answers) {
            for (Cell cell : values.cells()) {
                List<Object> row = new ArrayList<>();
                if (withIndicator) {
                    row.add(values.indicator());
                }
                row.add(cell.period());
                by.forEach(d -> row.add(cell.dimensions().get(d)));
                row.add(cell.value());
                row.add(cell.suppressed());
                rows.add(row);
            }
        }
        return new Table(columns, rows);
    }

    /** A display name for a dimension value (offices and sexes have names; others are their own). */
    public String displayName(String dimension, String value) {
        if (value == null) {
            return null;
        }
        if (dimension.equals(org.tonle.core.Dimensions.OFFICE) && config != null) {
            return config.office(value).map(o -> o.name()).orElse(value);
        }
        if (dimension.equals(org.tonle.core.Dimensions.SEX)) {
            return switch (value) {
                case "F" -> "Female";
                case "M" -> "Male";
                case "X" -> "Other";
                case "U" -> "Unknown";
                default -> value;
            };
        }
        return value;
    }

    private static List<Period> periods(List<String> params) {
        if (params == null || params.isEmpty()) {
            throw new ServiceException.InvalidRequest("period is required: " + Period.FORMS);
        }
        List<Period> periods = new ArrayList<>();
        for (String param : params) {
            try {
                periods.addAll(Period.parse(param));
            } catch (IllegalArgumentException e) {
                throw new ServiceException.InvalidRequest(e.getMessage());
            }
        }
        return periods;
    }

    private List<String> by(List<String> params, Indicator indicator) {
        List<String> by = new ArrayList<>();
        if (params != null) {
            for (String param : params) {
                Arrays.stream(param.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(by::add);
            }
        }
        for (String dimension : by) {
            if (!indicator.by().contains(dimension)) {
                throw new ServiceException.InvalidRequest("by: '" + dimension + "' is not allowed for " + indicator.code()
                        + "; allowed: " + (indicator.by().isEmpty() ? "none" : String.join(", ", indicator.by())));
            }
        }
        if (by.size() != by.stream().distinct().count()) {
            throw new ServiceException.InvalidRequest("by: a dimension is named twice");
        }
        if (by.size() > 2) {
            throw new ServiceException.InvalidRequest("by: at most two dimensions at once (a cross-tab)");
        }
        return by;
    }

    private String officeFor(Caller caller, String office, Indicator indicator) {
        if (office != null && !engine.offices(indicator).contains(office)) {
            throw new ServiceException.InvalidRequest("office: '" + office + "' does not run the " + indicator.programme()
                    + " programme; allowed: " + String.join(", ", engine.offices(indicator)));
        }
        if (caller.officeScope() != null) {
            if (office == null && caller.officeScope().size() == 1) {
                return caller.officeScope().iterator().next();
            }
            if (office == null || !caller.officeScope().contains(office)) {
                throw new ServiceException.Forbidden("staff read the figures of their own offices only: add office="
                        + String.join(" or office=", caller.officeScope()));
            }
        }
        return office;
    }
}

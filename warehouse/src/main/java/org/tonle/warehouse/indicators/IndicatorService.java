package org.tonle.warehouse.indicators;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;

import org.tonle.core.Dimensions;
import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.core.config.Targets;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.core.i18n.Language;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.Periods;
import org.tonle.warehouse.WarehouseException;

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
                         List<Achievement> targets, Set<String> approvedPeriods, Set<String> withheldPeriods) {

        public Values(String indicator, String name, String unit, List<String> by, List<Cell> cells,
                      List<Achievement> targets, Set<String> approvedPeriods) {
            this(indicator, name, unit, by, cells, targets, approvedPeriods, Set.of());
        }

        /**
         * {@code approved} for a cell read from the figures frozen at approval, {@code unapproved}
         * for a donor's cell of a period never approved (no figure given), else {@code current}.
         */
        public String revisionOf(Cell cell) {
            return approvedPeriods.contains(cell.period()) ? APPROVED : withheldPeriods.contains(cell.period()) ? UNAPPROVED : CURRENT;
        }
    }

    /** The revision of figures a caller reads (DESIGN.md 9.3). */
    public static final String APPROVED = "approved";
    public static final String CURRENT = "current";
    /** What a donor's row of a period that has no approved figures says: no value is given. */
    public static final String UNAPPROVED = "unapproved";

    /**
     * A period's target and baseline (config/targets.yaml): its own, or else its quarter's or
     * year's, named by {@code targetPeriod}. {@code value} is the period's total and
     * {@code achievement} is value / target × 100, given only against the period's own target,
     * and left out for donors when the total could be a suppressed cell. {@code office} is set
     * when the target is an office's.
     */
    public record Achievement(String period, int year, @JsonProperty("target_period") String targetPeriod,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String office, Double target, Double baseline,
                              Number value, Double achievement) {
    }

    /** One entry of the catalogue. */
    public record CatalogueEntry(String code, String name, String programme, String measure, String unit, List<String> by,
                                 boolean sensitive) {
    }

    private final IndicatorEngine engine;
    private final ProgrammeRegistry programmes;
    private final AuditLog audit;
    private final DisclosureControl disclosure;
    /** The node's configuration as it stands (offices are renamed and added by a reload), or null. */
    private final Supplier<TonleConfig> config;
    /** config/targets.yaml as it stands. */
    private final Supplier<Targets> targets;
    private final Periods periods;

    /** With period cells: donors read the figures frozen when a month was approved. */
    public IndicatorService(IndicatorEngine engine, ProgrammeRegistry programmes, AuditLog audit, DisclosureControl disclosure,
                            Supplier<TonleConfig> config, Supplier<Targets> targets, Periods periods) {
        this.periods = periods;
        this.engine = engine;
        this.programmes = programmes;
        this.audit = audit;
        this.disclosure = disclosure;
        this.config = config;
        this.targets = targets;
    }

    public List<CatalogueEntry> catalogue(Caller caller) {
        return catalogue(caller, Language.EN);
    }

    /** The catalogue with the indicators' names in {@code language} where declared (English otherwise). */
    public List<CatalogueEntry> catalogue(Caller caller, Language language) {
        List<CatalogueEntry> entries = new ArrayList<>();
        for (Programme programme : programmes.programmes()) {
            if (!caller.maySee(programme.id())) {
                continue;
            }
            for (Indicator i : programme.indicators()) {
                entries.add(new CatalogueEntry(i.code(), i.name().in(language.tag()), programme.id(), i.measure().name().toLowerCase(),
                        i.effectiveUnit(), i.by(), i.isSensitive()));
            }
        }
        return entries;
    }

    /** An indicator's declared name in {@code language} (English where not declared); empty for an unknown code. */
    public Optional<String> name(String code, Language language) {
        for (Programme programme : programmes.programmes()) {
            Optional<Indicator> indicator = programme.indicator(code);
            if (indicator.isPresent()) {
                return Optional.of(indicator.get().name().in(language.tag()));
            }
        }
        return Optional.empty();
    }

    public Values values(Caller caller, String code, List<String> periodParams, String office, List<String> byParams) {
        return values(caller, code, periodParams, office, byParams, null);
    }

    /**
     * @param revision {@code approved}, {@code current}, or null for the caller's default:
     *                 approved for donors, current for everyone else
     */
    public Values values(Caller caller, String code, List<String> periodParams, String office, List<String> byParams,
                         String revision) {
        if (revision != null && !revision.equals(APPROVED) && !revision.equals(CURRENT)) {
            throw RequestRefused.invalid("revision must be approved or current");
        }
        boolean donor = caller.role() == Role.DONOR && periods != null;
        if (donor && CURRENT.equals(revision)) {
            // DESIGN.md 9.3 and 6: figures of a period still open move under a donor's eyes, and two
            // answers at two times can pin a hidden cell (docs/ACCESS.md, answers at two times).
            throw RequestRefused.notPermitted("donors read approved figures only (revision=current is for staff,"
                    + " analysts and admins): a month's figures reach donors once an admin approved the month");
        }
        boolean approvedFigures = revision == null ? caller.role() == Role.DONOR : revision.equals(APPROVED);
        Indicator indicator = engine.indicator(code).orElseThrow(() -> RequestRefused.notFound("indicator '" + code
                + "' is not known; GET /api/v1/indicators lists the ones you may read"));
        if (!caller.maySee(indicator.programme())) {
            throw RequestRefused.notPermitted("your agreement does not cover the " + indicator.programme() + " programme");
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
            throw RequestRefused.invalid(e.getMessage());
        }
        if (caller.role() == Role.DONOR) cells = disclosure.forDonor(query, cells); // DESIGN.md section 6
        Set<String> approvedPeriods = new HashSet<>();
        if (approvedFigures && this.periods != null) {
            cells = approved(indicator, periods, office, by, cells, approvedPeriods);
        }
        Set<String> withheldPeriods = new HashSet<>();
        if (donor) {
            cells = DonorFigures.asSeen(cells, approvedPeriods, withheldPeriods);
        }
        if (caller.role() == Role.DONOR || caller.role() == Role.ANALYST) {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("period", periodParams);
            parameters.put("office", office);
            parameters.put("by", by);
            parameters.put("revision", approvedPeriods.isEmpty() ? (withheldPeriods.isEmpty() ? CURRENT : UNAPPROVED) : APPROVED);
            audit.record(caller.name(), caller.role().id(), "read", "GET /api/v1/indicators/" + code + "/values",
                    Json.write(parameters), (long) cells.size());
        }
        return new Values(indicator.code(), indicator.name().toString(), indicator.effectiveUnit(), by, cells,
                achievements(caller, indicator, periods, office, by, cells, donor), approvedPeriods, withheldPeriods);
    }

    /**
     * The cells with every month that has a frozen release (its programme's cells were all
     * approved once) answered from the figures of the last approval, which stay the figures
     * of record through a reopen until the next approval; those months go into
     * {@code approvedPeriods}. A quarter or year has a frozen release once all its months were
     * approved (PeriodService); months, quarters and years never fully approved stay current.
     */
    private List<Cell> approved(Indicator indicator, List<Period> asked, String office, List<String> by, List<Cell> cells,
                                Set<String> approvedPeriods) {
        Map<String, List<Cell>> frozen = new HashMap<>();
        for (Period period : asked) {
            // Frozen under the declaration's order of dimensions (donorRelease): by=sex,office is office,sex.
            List<String> declared = by.stream().sorted(Comparator.comparingInt(indicator.by()::indexOf)).toList();
            Optional<String> json = periods.frozen(period.label(), indicator.code(), office == null ? "" : office, String.join(",", declared));
            if (json.isPresent()) {
                frozen.put(period.label(), readCells(json.get()));
            }
        }
        if (frozen.isEmpty()) {
            return cells;
        }
        List<Cell> result = new ArrayList<>();
        for (Cell cell : cells) {
            List<Cell> replacement = frozen.get(cell.period());
            if (replacement == null) {
                result.add(cell);
            } else if (approvedPeriods.add(cell.period())) {
                result.addAll(replacement);
            }
        }
        return result;
    }

    private static List<Cell> readCells(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<List<Cell>>() { });
        } catch (IOException e) {
            throw new WarehouseException("cannot read approved figures: " + e.getMessage(), e);
        }
    }

    /**
     * The donor release of a programme × month as it stands: every indicator of the programme,
     * for all offices and each office, with no breakdown, each allowed dimension and each pair,
     * after disclosure control. Frozen at approval.
     */
    public List<Periods.Frozen> donorRelease(String programme, String month) {
        Programme declared = programmes.programme(programme).orElse(null);
        if (declared == null) {
            return List.of();
        }
        List<Periods.Frozen> release = new ArrayList<>();
        List<Period> period = Period.parse(month);
        for (Indicator indicator : declared.indicators()) {
            List<String> offices = new ArrayList<>();
            offices.add(null);
            offices.addAll(engine.offices(indicator));
            List<List<String>> breakdowns = new ArrayList<>();
            breakdowns.add(List.of());
            List<String> dims = indicator.by();
            for (int i = 0; i < dims.size(); i++) {
                breakdowns.add(List.of(dims.get(i)));
                for (int j = i + 1; j < dims.size(); j++) {
                    breakdowns.add(List.of(dims.get(i), dims.get(j)));
                }
            }
            for (String office : offices) {
                for (List<String> by : breakdowns) {
                    IndicatorQuery query = new IndicatorQuery(indicator, period, office, by);
                    List<Cell> cells;
                    try {
                        cells = disclosure.forDonor(query, engine.evaluate(query));
                    } catch (IllegalArgumentException e) {
                        continue; // a breakdown this indicator cannot answer (a ratio's parts differ)
                    }
                    release.add(new Periods.Frozen(indicator.code(), office == null ? "" : office, String.join(",", by),
                            Json.write(cells)));
                }
            }
        }
        return release;
    }

    /**
     * The donor release of a programme × quarter or year whose months all have approved
     * figures ({@code months}: month → {@code indicator|office|by} → cells as JSON). Additive
     * measures (records, sums, participant tallies) are the sums of the months' approved cells,
     * hidden where any month's cell is hidden: the quarter is then no more than its months, as
     * donors were given them. Distinct persons and ratios are not sums of months: theirs is the
     * release as it stands, the months being locked.
     */
    public List<Periods.Frozen> donorRelease(String programme, String period, Map<String, Map<String, String>> months) {
        List<Periods.Frozen> release = new ArrayList<>();
        for (Periods.Frozen f : donorRelease(programme, period)) {
            Indicator indicator = engine.indicator(f.indicator()).orElse(null);
            if (indicator == null || indicator.measure() == Measure.DISTINCT_SUBJECTS || indicator.measure() == Measure.RATIO) {
                release.add(f);
                continue;
            }
            String key = f.indicator() + "|" + f.office() + "|" + f.by();
            List<List<Cell>> parts = new ArrayList<>();
            for (Map<String, String> month : months.values()) {
                String cells = month.get(key);
                parts.add(cells == null ? null : readCells(cells));
            }
            List<Cell> summed = new ArrayList<>();
            for (Cell cell : readCells(f.cells())) {
                summed.add(sumOfMonths(period, cell, parts));
            }
            release.add(new Periods.Frozen(f.indicator(), f.office(), f.by(), Json.write(summed)));
        }
        return release;
    }

    private static Cell sumOfMonths(String period, Cell cell, List<List<Cell>> months) {
        long whole = 0;
        double decimal = 0;
        boolean decimals = false;
        for (List<Cell> month : months) {
            Cell part = month == null ? null : month.stream().filter(c -> c.dimensions().equals(cell.dimensions())).findFirst().orElse(null);
            if (part == null || part.suppressed() || part.value() == null) {
                return new Cell(period, cell.dimensions(), null, true);
            }
            if (part.value() instanceof Long || part.value() instanceof Integer) {
                whole += part.value().longValue();
            } else {
                decimals = true;
                decimal += part.value().doubleValue();
            }
        }
        return new Cell(period, cell.dimensions(), decimals ? (Number) (decimal + whole) : (Number) whole, false);
    }

    private List<Achievement> achievements(Caller caller, Indicator indicator, List<Period> periods, String office,
                                           List<String> by, List<Cell> cells, boolean approvedOnly) {
        List<Achievement> result = new ArrayList<>();
        Map<Period, Targets.Target> targetOf = new LinkedHashMap<>();
        Targets written = targets.get();
        periods.forEach(p -> written.ofOrAround(indicator.code(), p.label(), office).ifPresent(t -> targetOf.put(p, t)));
        List<Period> withTarget = List.copyOf(targetOf.keySet());
        if (withTarget.isEmpty()) {
            return result;
        }
        // A donor's total is a disaggregated cell when an office is named, and may be suppressed
        // when the indicator is sensitive: then no value, so nothing to derive.
        boolean mayShowValue = caller.role() != Role.DONOR || (office == null && !indicator.isSensitive());
        List<Cell> totals = by.isEmpty() ? cells : engine.evaluate(new IndicatorQuery(indicator, withTarget, office, List.of()));
        if (approvedOnly && !by.isEmpty()) {
            // A donor's totals are the approved ones too, or none.
            Set<String> approvedTotals = new HashSet<>();
            totals = DonorFigures.asSeen(approved(indicator, withTarget, office, List.of(), totals, approvedTotals), approvedTotals,
                    new HashSet<>());
        }
        Map<String, Number> totalByPeriod = new LinkedHashMap<>();
        totals.forEach(c -> totalByPeriod.put(c.period(), c.value()));
        for (Period period : withTarget) {
            Targets.Target t = targetOf.get(period);
            Number value = mayShowValue ? totalByPeriod.get(period.label()) : null;
            Double achievement = null;
            if (t.period().equals(period.label()) && value != null && t.target() != null && t.target() > 0) {
                achievement = Math.round(value.doubleValue() / t.target() * 1000) / 10.0;
            }
            result.add(new Achievement(period.label(), period.start().getYear(), t.period(), t.office(), t.target(), t.baseline(),
                    value, achievement));
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
        return analytics(caller, codes, periodParams, office, byParams, null);
    }

    /** @param revision as for {@link #values(Caller, String, List, String, List, String)} */
    public Analytics analytics(Caller caller, List<String> codes, List<String> periodParams, String office,
                               List<String> byParams, String revision) {
        if (codes == null || codes.isEmpty()) {
            throw RequestRefused.invalid("indicator is required: name one or more, e.g. indicator=social.clients_met"
                    + "&indicator=legal.court_represented (GET /api/v1/indicators lists them)");
        }
        List<Values> answers = new ArrayList<>();
        for (String code : codes.stream().distinct().toList()) {
            answers.add(values(caller, code, periodParams, office, byParams, revision));
        }
        List<String> by = answers.get(0).by();
        return new Analytics(by, answers);
    }

    /** The answer of the analytics endpoint: the per-indicator values, in request order. */
    public record Analytics(List<String> by, List<Values> values) {
    }

    /** A display name for a dimension value (offices and sexes have names; others are their own). */
    public String displayName(String dimension, String value) {
        if (value == null) {
            return null;
        }
        TonleConfig current = dimension.equals(Dimensions.OFFICE) ? config.get() : null;
        if (current != null) {
            return current.office(value).map(o -> o.name()).orElse(value);
        }
        if (dimension.equals(Dimensions.SEX)) {
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
            throw RequestRefused.invalid("period is required: " + Period.FORMS);
        }
        List<Period> periods = new ArrayList<>();
        for (String param : params) {
            try {
                periods.addAll(Period.parse(param));
            } catch (IllegalArgumentException e) {
                throw RequestRefused.invalid(e.getMessage());
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
                throw RequestRefused.invalid("by: '" + dimension + "' is not allowed for " + indicator.code()
                        + "; allowed: " + (indicator.by().isEmpty() ? "none" : String.join(", ", indicator.by())));
            }
        }
        if (by.size() != by.stream().distinct().count()) {
            throw RequestRefused.invalid("by: a dimension is named twice");
        }
        if (by.size() > 2) {
            throw RequestRefused.invalid("by: at most two dimensions at once (a cross-tab)");
        }
        return by;
    }

    private String officeFor(Caller caller, String office, Indicator indicator) {
        if (office != null && !engine.offices(indicator).contains(office)) {
            throw RequestRefused.invalid("office: '" + office + "' does not run the " + indicator.programme()
                    + " programme; allowed: " + String.join(", ", engine.offices(indicator)));
        }
        if (caller.officeScope() != null) {
            if (office == null && caller.officeScope().size() == 1) {
                return caller.officeScope().iterator().next();
            }
            if (office == null || !caller.officeScope().contains(office)) {
                throw RequestRefused.notPermitted("staff read the figures of their own offices only: add office="
                        + String.join(" or office=", caller.officeScope()));
            }
        }
        return office;
    }
}

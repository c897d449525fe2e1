package org.tonle.host.service;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tonle.core.config.Role;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.host.auth.Caller;
import org.tonle.host.http.ProblemException;
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

    /** The answer of {@code GET /api/v1/indicators/{code}/values}. */
    public record Values(String indicator, String name, String unit, List<String> by, List<Cell> cells) {
    }

    /** One entry of the catalogue. */
    public record CatalogueEntry(String code, String name, String programme, String measure, String unit, List<String> by,
                                 boolean sensitive) {
    }

    private final IndicatorEngine engine;
    private final ProgrammeRegistry programmes;
    private final AuditLog audit;
    private final DisclosureControl disclosure;

    public IndicatorService(IndicatorEngine engine, ProgrammeRegistry programmes, AuditLog audit, DisclosureControl disclosure) {
        this.engine = engine;
        this.programmes = programmes;
        this.audit = audit;
        this.disclosure = disclosure;
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
        Indicator indicator = engine.indicator(code).orElseThrow(() -> ProblemException.notFound("indicator '" + code
                + "' is not known; GET /api/v1/indicators lists the ones you may read"));
        if (!caller.maySee(indicator.programme())) {
            throw ProblemException.forbidden("your agreement does not cover the " + indicator.programme() + " programme");
        }
        List<Period> periods = periods(periodParams);
        List<String> by = by(byParams, indicator);
        office = officeFor(caller, office, indicator);
        IndicatorQuery query = new IndicatorQuery(indicator, periods, office, by);
        List<Cell> cells = engine.evaluate(query);
        if (caller.role() == Role.DONOR) cells = disclosure.forDonor(query, cells); // DESIGN.md section 6
        if (caller.role() == Role.DONOR || caller.role() == Role.ANALYST) {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("period", periodParams);
            parameters.put("office", office);
            parameters.put("by", by);
            audit.record(caller.name(), caller.role().id(), "read", "GET /api/v1/indicators/" + code + "/values",
                    Json.write(parameters), (long) cells.size());
        }
        return new Values(indicator.code(), indicator.name().toString(), indicator.effectiveUnit(), by, cells);
    }

    private static List<Period> periods(List<String> params) {
        if (params == null || params.isEmpty()) {
            throw ProblemException.badRequest("period is required: " + Period.FORMS);
        }
        List<Period> periods = new ArrayList<>();
        for (String param : params) {
            try {
                periods.addAll(Period.parse(param));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
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
                throw ProblemException.badRequest("by: '" + dimension + "' is not allowed for " + indicator.code()
                        + "; allowed: " + (indicator.by().isEmpty() ? "none" : String.join(", ", indicator.by())));
            }
        }
        if (by.size() != by.stream().distinct().count()) {
            throw ProblemException.badRequest("by: a dimension is named twice");
        }
        if (by.size() > 2) {
            throw ProblemException.badRequest("by: at most two dimensions at once (a cross-tab)");
        }
        return by;
    }

    private String officeFor(Caller caller, String office, Indicator indicator) {
        if (office != null && !engine.offices(indicator).contains(office)) {
            throw ProblemException.badRequest("office: '" + office + "' does not run the " + indicator.programme()
                    + " programme; allowed: " + String.join(", ", engine.offices(indicator)));
        }
        if (caller.officeScope() != null) {
            if (office == null && caller.officeScope().size() == 1) {
                return caller.officeScope().iterator().next();
            }
            if (office == null || !caller.officeScope().contains(office)) {
                throw ProblemException.forbidden("staff read the figures of their own offices only: add office="
                        + String.join(" or office=", caller.officeScope()));
            }
        }
        return office;
    }
}

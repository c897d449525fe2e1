package org.tonle.host.service;

import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Office;
import org.tonle.core.config.TonleConfig;
import org.tonle.pipelines.GroupCommitWriter;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.Periods;
import org.tonle.warehouse.indicators.IndicatorService;

/**
 * The monthly cycle (DESIGN.md 9.3): each office × programme × month is open, submitted by its
 * staff, or approved by an admin; an admin reopens with a reason. Approval freezes the donor
 * release of every programme whose cells of the month are then all approved; a re-approval
 * that changes a frozen figure is listed under the month's revisions. Every change is audited
 * in the transaction that makes it, and runs between the pipeline writer's groups, so no
 * record is checked against one state and committed under another.
 */
public final class PeriodService {

    /** One cell of a month as the caller sees it. */
    public record Cell(String office, String program, String state,
                       @JsonProperty("changed_at") Instant changedAt, @JsonProperty("changed_by") String changedBy,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
    }

    /** A re-approval that changed a frozen donor figure: the cells before and after, and the reopen reason. */
    public record Revision(String program, String indicator, @JsonInclude(JsonInclude.Include.NON_EMPTY) String office,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) String by, JsonNode before, JsonNode after, String reason,
                           @JsonProperty("approved_at") Instant approvedAt, @JsonProperty("approved_by") String approvedBy) {
    }

    /** {@code GET /api/v1/periods/{yyyy-mm}}. */
    public record Month(String period, List<Cell> cells, List<Revision> revisions) {
    }

    /**
     * The optional body of submit, approve and reopen. Cells already in the state asked for are
     * left as they are; a cell that cannot get there refuses the whole change (409).
     */
    public record Selection(List<String> offices, List<String> programs, String reason) {
    }

    private final Periods periods;
    private final IndicatorService indicators;
    private final GroupCommitWriter writer;
    private final Supplier<TonleConfig> config;

    public PeriodService(Periods periods, IndicatorService indicators, GroupCommitWriter writer, Supplier<TonleConfig> config) {
        this.periods = periods;
        this.indicators = indicators;
        this.writer = writer;
        this.config = config;
    }

    public Month month(Caller caller, String period) {
        String month = month(period);
        List<Cell> cells = new ArrayList<>();
        Map<String, Periods.CellState> stored = periods.cells(month);
        for (String[] cell : scope(caller)) {
            Periods.CellState s = stored.get(cell[0] + "|" + cell[1]);
            cells.add(s == null ? new Cell(cell[0], cell[1], Periods.OPEN, null, null, null)
                    : new Cell(cell[0], cell[1], s.state(), s.changedAt(), s.changedBy(), s.reason()));
        }
        Set<String> programmes = new LinkedHashSet<>();
        cells.forEach(c -> programmes.add(c.program()));
        List<Revision> revisions = periods.revisions(month).stream()
                .filter(r -> programmes.contains(r.program()))
                .filter(r -> caller.officeScope() == null || caller.officeScope().contains(r.office()))
                .map(r -> new Revision(r.program(), r.indicator(), r.office(), r.by(), tree(r.before()), tree(r.after()), r.reason(),
                        r.approvedAt(), r.approvedBy()))
                .toList();
        return new Month(month, cells, revisions);
    }

    public Month submit(Caller caller, String period, Selection body) {
        return change(caller, period, body, "submit", Set.of(Periods.OPEN), Periods.SUBMITTED);
    }

    public Month approve(Caller caller, String period, Selection body) {
        return change(caller, period, body, "approve", Set.of(Periods.SUBMITTED), Periods.APPROVED);
    }

    public Month reopen(Caller caller, String period, Selection body) {
        if (body == null || body.reason() == null || body.reason().isBlank()) {
            throw RequestRefused.invalid("reason is required: say why the month is reopened, e.g. {\"reason\": \"late court records\"}");
        }
        if (body.reason().length() > 2000) {
            throw RequestRefused.invalid("reason: at most 2000 characters");
        }
        return change(caller, period, body, "reopen", Set.of(Periods.SUBMITTED, Periods.APPROVED), Periods.OPEN);
    }

    private Month change(Caller caller, String period, Selection body, String action, Set<String> from, String to) {
        String month = month(period);
        List<String[]> selected = select(caller, body);
        String reason = Periods.OPEN.equals(to) ? body.reason().strip() : null;
        writer.betweenSubmissions(() -> {
            Map<String, Periods.CellState> stored = periods.cells(month);
            List<Periods.Transition> transitions = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (String[] cell : selected) {
                Periods.CellState s = stored.get(cell[0] + "|" + cell[1]);
                String state = s == null ? Periods.OPEN : s.state();
                if (state.equals(to)) {
                    continue; // already there: left as it is
                }
                if (!from.contains(state)) {
                    refused.add(cell[0] + "/" + cell[1] + " is " + state);
                } else {
                    transitions.add(new Periods.Transition(month, cell[0], cell[1], state, to, reason));
                }
            }
            if (!refused.isEmpty()) {
                throw RequestRefused.conflict("cannot " + action + " " + month + ": " + String.join(", ", refused) + " (only "
                        + String.join(" or ", from) + " cells can be " + (action.equals("submit") ? "submitted" : action + "d")
                        + "); nothing was changed");
            }
            if (transitions.isEmpty()) {
                throw RequestRefused.conflict("cannot " + action + " " + month + ": every cell named is " + to + " already");
            }
            Map<String, List<Periods.Frozen>> frozen = new LinkedHashMap<>();
            List<Periods.Revision> revisions = new ArrayList<>();
            Map<String, Map<String, List<Periods.Frozen>>> frozenByPeriod = new LinkedHashMap<>();
            if (Periods.APPROVED.equals(to)) {
                freeze(caller, month, selected, transitions, frozen, revisions);
                if (!frozen.isEmpty()) {
                    frozenByPeriod.put(month, frozen);
                }
                freezeQuartersAndYears(month, frozen, frozenByPeriod);
            }
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("period", month);
            parameters.put("cells", transitions.stream().map(t -> t.office() + "/" + t.program()).toList());
            if (reason != null) {
                parameters.put("reason", reason);
            }
            periods.change(caller.name(), transitions, frozenByPeriod, revisions, new AuditLog.Write(caller.name(),
                    caller.role().id(), action, "POST /api/v1/periods/" + month + "/" + action, Json.write(parameters),
                    (long) transitions.size()));
            return null;
        });
        return month(caller, month);
    }

    /**
     * The donor release of each programme whose cells all become approved, and the revisions
     * against what was frozen at its previous approval.
     */
    private void freeze(Caller caller, String month, List<String[]> selected, List<Periods.Transition> transitions,
                        Map<String, List<Periods.Frozen>> frozen, List<Periods.Revision> revisions) {
        Set<String> programmes = new LinkedHashSet<>();
        selected.forEach(cell -> programmes.add(cell[1]));
        for (String programme : programmes) {
            List<String> offices = config.get().officesRunning(programme);
            boolean all = offices.stream().allMatch(office -> periods.approved(month, office, programme)
                    || transitions.stream().anyMatch(t -> t.office().equals(office) && t.program().equals(programme)));
            if (!all) {
                continue;
            }
            List<Periods.Frozen> release = indicators.donorRelease(programme, month);
            Map<String, String> before = periods.frozen(month, programme);
            String reason = before.isEmpty() ? null : periods.lastReopenReason(month, programme).orElse(null);
            for (Periods.Frozen f : release) {
                String old = before.get(f.indicator() + "|" + f.office() + "|" + f.by());
                if (old != null && !tree(old).equals(tree(f.cells()))) {
                    revisions.add(new Periods.Revision(month, programme, f.indicator(), f.office(), f.by(), old, f.cells(), reason,
                            null, caller.name()));
                }
            }
            frozen.put(programme, release);
        }
    }

    /**
     * The donor release of the quarter and the year of {@code month} for each programme frozen
     * now, when every other month of that quarter or year has figures frozen too: quarters and
     * years whose months are all approved are then answered from approved figures as well.
     * Additive measures are the sums of the months' approved cells (a cell hidden in a month
     * stays hidden), so a quarter tells a donor nothing its months did not.
     */
    private void freezeQuartersAndYears(String month, Map<String, List<Periods.Frozen>> frozen,
                                        Map<String, Map<String, List<Periods.Frozen>>> frozenByPeriod) {
        YearMonth m = YearMonth.parse(month);
        int quarter = (m.getMonthValue() - 1) / 3;
        List<YearMonth> quarterMonths = List.of(YearMonth.of(m.getYear(), quarter * 3 + 1), YearMonth.of(m.getYear(), quarter * 3 + 2),
                YearMonth.of(m.getYear(), quarter * 3 + 3));
        List<YearMonth> yearMonths = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            yearMonths.add(YearMonth.of(m.getYear(), i));
        }
        Map<String, List<YearMonth>> wider = new LinkedHashMap<>();
        wider.put(m.getYear() + "-Q" + (quarter + 1), quarterMonths);
        wider.put(Integer.toString(m.getYear()), yearMonths);
        for (Map.Entry<String, List<Periods.Frozen>> programme : frozen.entrySet()) {
            Map<String, Map<String, String>> figures = new LinkedHashMap<>();
            Map<String, String> now = new LinkedHashMap<>();
            programme.getValue().forEach(f -> now.put(f.indicator() + "|" + f.office() + "|" + f.by(), f.cells()));
            figures.put(month, now);
            for (Map.Entry<String, List<YearMonth>> period : wider.entrySet()) {
                boolean all = true;
                for (YearMonth other : period.getValue()) {
                    String label = other.toString();
                    if (!figures.containsKey(label)) {
                        figures.put(label, periods.frozen(label, programme.getKey()));
                    }
                    all &= !figures.get(label).isEmpty();
                }
                if (all) {
                    Map<String, Map<String, String>> months = new LinkedHashMap<>();
                    period.getValue().forEach(other -> months.put(other.toString(), figures.get(other.toString())));
                    frozenByPeriod.computeIfAbsent(period.getKey(), p -> new LinkedHashMap<>())
                            .put(programme.getKey(), indicators.donorRelease(programme.getKey(), period.getKey(), months));
                }
            }
        }
    }

    /** Every cell the caller may see: offices of their scope × the programmes each runs that they may see. */
    private List<String[]> scope(Caller caller) {
        List<String[]> cells = new ArrayList<>();
        TonleConfig cfg = config.get();
        for (Office office : cfg.offices()) {
            if (caller.officeScope() != null && !caller.officeScope().contains(office.code())) {
                continue;
            }
            for (String programme : cfg.deployments().getOrDefault(office.code(), List.of())) {
                if (caller.maySee(programme)) {
                    cells.add(new String[] {office.code(), programme});
                }
            }
        }
        return cells;
    }

    /** The cells a change names (all in the caller's scope by default); naming one outside it is refused. */
    private List<String[]> select(Caller caller, Selection body) {
        List<String[]> scope = scope(caller);
        List<String> offices = body == null || body.offices() == null || body.offices().isEmpty() ? null : body.offices();
        List<String> programs = body == null || body.programs() == null || body.programs().isEmpty() ? null : body.programs();
        TonleConfig cfg = config.get();
        if (offices != null) {
            for (String office : offices) {
                if (cfg.office(office).isEmpty()) {
                    throw RequestRefused.invalid("offices: '" + office + "' is not a configured office");
                }
                if (scope.stream().noneMatch(c -> c[0].equals(office))) {
                    throw RequestRefused.notPermitted("office " + office + " is not in your scope");
                }
            }
        }
        if (programs != null) {
            for (String programme : programs) {
                if (scope.stream().noneMatch(c -> c[1].equals(programme))) {
                    throw RequestRefused.invalid("programs: '" + programme + "' is not run by any office in your scope");
                }
            }
        }
        List<String[]> selected = scope.stream()
                .filter(c -> offices == null || offices.contains(c[0]))
                .filter(c -> programs == null || programs.contains(c[1]))
                .toList();
        if (selected.isEmpty()) {
            throw RequestRefused.invalid("no office in the selection runs the programmes named");
        }
        return selected;
    }

    private static String month(String text) {
        try {
            if (text != null && text.length() == 7) {
                return YearMonth.parse(text).toString();
            }
        } catch (DateTimeParseException e) {
            // answered below
        }
        throw RequestRefused.invalid("period must be a month written yyyy-mm, e.g. 2015-08");
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored figures are not JSON: " + e.getOriginalMessage(), e);
        }
    }
}

package org.tonle.pipelines;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.tonle.programme.api.Violation;
import org.tonle.warehouse.Periods;
import org.tonle.warehouse.RecordOffices;

/**
 * Rejects what would change an approved period cell (DESIGN.md 9.3): a new record dated in
 * one, and a correction or void of a record that counts in one (or would move into one). It
 * runs on the writer's thread, inside its lock, and approvals change cells between the
 * writer's groups, so a record is never checked against one state and committed under another.
 * A rejected record goes to the dead letter like any other and can be replayed after a reopen.
 */
public final class PeriodLock {

    public static final String RULE = "period_locked";

    private final Periods periods;
    private final RecordOffices places;

    public PeriodLock(Periods periods, RecordOffices places) {
        this.periods = periods;
        this.places = places;
    }

    void check(Submission submission) {
        // Runs for every record on the writer's thread: with no approved cell at all there is
        // nothing to look up, and otherwise each cell of the submission is looked up once
        // (exact: approvals change only between the writer's groups).
        boolean anyApproved = periods.anyApproved();
        Map<Cell, Boolean> lockedCells = new HashMap<>();
        for (Item item : submission.items()) {
            if (!item.pending()) {
                continue;
            }
            if (item.record() != null && anyApproved) {
                String program = item.record().program();
                String office = item.record().office();
                LocalDate date = item.record().date();
                Cell cell = new Cell(program, office, date.getYear() * 12 + date.getMonthValue());
                Boolean locked = lockedCells.get(cell);
                Violation v = Boolean.FALSE.equals(locked) ? null : locked(program, office, date);
                if (locked == null) {
                    lockedCells.put(cell, v != null);
                }
                if (v != null) {
                    item.reject(v);
                    continue;
                }
            }
            if (submission.mode() != Submission.Mode.CREATE && item.id() != null) {
                UUID target = item.id();
                places.placeOf(target).map(p -> locked(p.program(), p.office(), p.date())).ifPresent(item::reject);
            }
        }
    }

    private record Cell(String program, String office, int month) {
    }

    private Violation locked(String program, String office, LocalDate date) {
        String month = YearMonth.from(date).toString();
        if (!periods.approved(month, office, program)) {
            return null;
        }
        return new Violation("date", RULE, "the " + program + " figures of office " + office + " for " + month
                + " are approved and locked; an admin can reopen the month (POST /api/v1/periods/" + month
                + "/reopen), then the record can be replayed");
    }
}

package org.tonle.warehouse.indicators;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a donor is given of a period (DESIGN.md 9.3 and section 6): the release frozen when the
 * period was approved, and nothing of a period never approved.
 *
 * <p>Each release is safe on its own against every combination of its tables, but two releases
 * of the same period at two times are not: records of a past month mostly only arrive, so a cell
 * that cannot shrink between two answers bounds a hidden cell of the first answer from below, and
 * the second answer's suppression bounds it from above (docs/ACCESS.md, answers at two times;
 * {@code DisclosureOverTimeTest}). A donor therefore sees one release per approval: the figures of
 * a period still open, which move with every late record, are not given (value null, suppressed,
 * {@code "revision": "unapproved"}), and donors may not ask for {@code revision=current}.
 */
final class DonorFigures {

    private DonorFigures() {
    }

    /**
     * The cells as a donor may be given them: those of approved periods as they are (read from
     * the frozen release), the others without a value; their periods go into {@code withheldPeriods}.
     */
    static List<Cell> asSeen(List<Cell> cells, Set<String> approvedPeriods, Set<String> withheldPeriods) {
        List<Cell> out = new ArrayList<>(cells.size());
        for (Cell cell : cells) {
            if (approvedPeriods.contains(cell.period())) {
                out.add(cell);
            } else {
                withheldPeriods.add(cell.period());
                out.add(cell.withSuppressed());
            }
        }
        return out;
    }
}

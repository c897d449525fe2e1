package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Attack review (r2), closed: a donor who asks for the same table twice, before and after one
 * late record, combines two releases. Each release is safe on its own (DisclosureReleaseTest), but
 * records of a past month mostly only arrive: a cell that cannot shrink between two answers bounds
 * the hidden cell of the first answer from below, and the second answer's suppression group bounds
 * it from above. The fix ({@link DonorFigures}): a donor is given one release per approval, the
 * one frozen when the month was approved, and nothing of a month still open.
 */
class DisclosureOverTimeTest {

    static final int MIN_CELL = 5;
    static final String MONTH = "2015-08";
    static final List<String> DIMENSIONS = List.of("office", "sex");
    static final List<String> SEXES = List.of("F", "M", "X", "U");

    static DisclosureRelease release(Map<String, Long> bySex) {
        Map<String, List<String>> axes = new LinkedHashMap<>();
        axes.put("office", List.of("PNH"));
        axes.put("sex", SEXES);
        return new DisclosureRelease(DIMENSIONS, axes, Map.of(MONTH, List.of()), marginal -> true, false,
                (period, cell) -> cell.containsKey("sex") ? bySex.get(cell.get("sex"))
                        : bySex.values().stream().mapToLong(Long::longValue).sum(), MIN_CELL);
    }

    /** The release's cells of the month (the office's total, then each sex), as disclosure control gives them to a donor. */
    static List<Cell> cells(DisclosureRelease release) {
        List<Cell> cells = new ArrayList<>();
        List<Map<String, String>> keys = new ArrayList<>();
        keys.add(Map.of("office", "PNH"));
        SEXES.forEach(sex -> keys.add(Map.of("office", "PNH", "sex", sex)));
        for (Map<String, String> key : keys) {
            boolean hidden = release.suppressed(MONTH, key);
            cells.add(new Cell(MONTH, key, hidden ? null : release.value(MONTH, key), hidden));
        }
        return cells;
    }

    /** What the donor is given: the total under "", each sex under its code; null when not given. */
    static Map<String, Long> given(List<Cell> cells, Set<String> approvedPeriods) {
        Map<String, Long> seen = new LinkedHashMap<>();
        for (Cell cell : DonorFigures.asSeen(cells, approvedPeriods, new HashSet<>())) {
            seen.put(cell.dimensions().getOrDefault("sex", ""), cell.value() == null ? null : cell.value().longValue());
        }
        return seen;
    }

    /**
     * The attacker: records of August only arrive, so no cell is smaller in the second answer than
     * in the first. F of the first answer = its total - (M + X + U), each at most its value in the
     * second answer; and F first is at most F second, at most the second total minus the cells it
     * shows. Pinned when the bounds leave only values from 1 to MIN_CELL - 1.
     */
    static boolean pinsFOfTheFirstAnswer(Map<String, Long> first, Map<String, Long> second) {
        if (first.get("") == null || first.get("F") != null) {
            return false; // no total to start from, or F is not hidden
        }
        long lower = first.get("");
        Long upper = second.get("F") != null ? second.get("F") : second.get("");
        for (String sex : SEXES) {
            if (sex.equals("F")) {
                continue;
            }
            Long atMost = first.get(sex) != null ? first.get(sex) : second.get(sex) != null ? second.get(sex) : second.get("");
            if (atMost == null) {
                return false;
            }
            lower -= atMost;
            if (second.get("F") == null && upper != null && second.get(sex) != null) {
                upper -= second.get(sex);
            }
        }
        return upper != null && lower > 0 && upper < MIN_CELL;
    }

    final Map<String, Long> before = new LinkedHashMap<>(Map.of("F", 2L, "M", 10L, "X", 0L, "U", 0L));
    final Map<String, Long> after = new LinkedHashMap<>(Map.of("F", 2L, "M", 10L, "X", 0L, "U", 1L));

    @Test
    void theAttackIsRealOnTwoReleasesOfAMonthStillOpen() {
        // Two girls counselled in August; one late record of unknown sex. Given both releases as
        // they stand, the attacker pins F of the first to 2..3: what donors were given before the fix.
        Map<String, Long> first = given(cells(release(before)), Set.of(MONTH));
        Map<String, Long> second = given(cells(release(after)), Set.of(MONTH));
        System.out.println("releases as they stand: before " + first + ", after " + second);
        assertThat(first.get("F")).as("the small cell is hidden in the first answer").isNull();
        assertThat(pinsFOfTheFirstAnswer(first, second)).isTrue();
    }

    @Test
    void oneLateRecordDoesNotPinAHiddenCellOfTheEarlierAnswer() {
        // The month is open at both reads: the donor is given no figure either time.
        Map<String, Long> first = given(cells(release(before)), Set.of());
        Map<String, Long> second = given(cells(release(after)), Set.of());
        System.out.println("open month: before " + first + ", after " + second);
        assertThat(first.values()).containsOnlyNulls();
        assertThat(pinsFOfTheFirstAnswer(first, second)).isFalse();
        // Then approved: the release frozen at approval is the one release of August a donor ever
        // has (until a reopen and re-approval, listed as a revision), so nothing is left to combine.
        Map<String, Long> approved = given(cells(release(after)), Set.of(MONTH));
        assertThat(approved.get("")).isEqualTo(13L);
        assertThat(pinsFOfTheFirstAnswer(first, approved)).isFalse();
        assertThat(pinsFOfTheFirstAnswer(second, approved)).isFalse();
    }
}

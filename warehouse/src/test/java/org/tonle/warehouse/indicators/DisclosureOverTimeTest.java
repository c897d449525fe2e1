package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Attack review (r2), open: a donor who asks for the same table twice, before and after one late
 * record, combines two releases. Each release is safe on its own (DisclosureReleaseTest), but the
 * releases of one window over time are not audited together, and records of a past month mostly
 * only arrive: a cell that cannot shrink between two answers bounds the hidden cell of the first
 * answer from below, and the second answer's suppression group bounds it from above.
 */
class DisclosureOverTimeTest {

    static final int MIN_CELL = 5;
    static final List<String> DIMENSIONS = List.of("office", "sex");
    static final List<String> SEXES = List.of("F", "M", "X", "U");

    static DisclosureRelease release(Map<String, Long> bySex) {
        Map<String, List<String>> axes = new LinkedHashMap<>();
        axes.put("office", List.of("PNH"));
        axes.put("sex", SEXES);
        return new DisclosureRelease(DIMENSIONS, axes, Map.of("2015-08", List.of()), marginal -> true, false,
                (period, cell) -> cell.containsKey("sex") ? bySex.get(cell.get("sex"))
                        : bySex.values().stream().mapToLong(Long::longValue).sum(), MIN_CELL);
    }

    /** What the donor sees of a cell: its value, or null when suppressed. */
    static Long seen(DisclosureRelease release, String sex) {
        Map<String, String> cell = sex == null ? Map.of("office", "PNH") : Map.of("office", "PNH", "sex", sex);
        return release.suppressed("2015-08", cell) ? null : release.value("2015-08", cell);
    }

    @Disabled("open (r2 attack review): releases of one window at two times are not audited together; two girls"
            + " counselled in August are pinned to 2..3 by asking again after one late record of unknown sex."
            + " Needs donors' figures frozen per period (DESIGN.md 9.3, approved figures) or an audit across releases")
    @Test
    void oneLateRecordDoesNotPinAHiddenCellOfTheEarlierAnswer() {
        Map<String, Long> before = new LinkedHashMap<>(Map.of("F", 2L, "M", 10L, "X", 0L, "U", 0L));
        Map<String, Long> after = new LinkedHashMap<>(before);
        after.put("U", 1L);
        DisclosureRelease first = release(before);
        DisclosureRelease second = release(after);
        System.out.println("before: total " + seen(first, null) + ", " + SEXES.stream().map(s -> s + "=" + seen(first, s)).toList());
        System.out.println("after:  total " + seen(second, null) + ", " + SEXES.stream().map(s -> s + "=" + seen(second, s)).toList());
        assertThat(seen(first, "F")).as("the small cell is hidden in the first answer").isNull();

        // The attacker: records of August only arrive, so no cell is smaller after than before.
        // F before = total before - (M + X + U) before, and each of those is at most its value after;
        // F before is at most F after, which is at most total after minus the cells shown after.
        long lower = seen(first, null);
        long upper = seen(second, null);
        for (String sex : SEXES) {
            if (sex.equals("F")) {
                continue;
            }
            Long firstSeen = seen(first, sex);
            Long secondSeen = seen(second, sex);
            Long atMost = firstSeen != null ? firstSeen : secondSeen;
            lower -= atMost == null ? seen(second, null) : atMost;
            if (secondSeen != null) {
                upper -= secondSeen;
            }
        }
        boolean pinned = lower > 0 && upper < MIN_CELL;
        assertThat(pinned).as("F before bounded to " + Math.max(lower, 0) + ".." + upper + " (true value 2)").isFalse();
    }
}

package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.junit.jupiter.api.Test;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;

/**
 * Disclosure control against an attacker who knows every row, column and grand total, sees
 * every visible cell and knows counts are non-negative: on many random tables, a linear
 * programme computes the smallest and largest value of every suppressed cell, and none may be
 * pinned to one value.
 */
class DisclosureControlTest {

    private static final int MIN_CELL = 5;

    @Test
    void noSuppressedCellOfARandomTableCanBeRecovered() {
        Random random = new Random(20150801);
        int suppressedTables = 0;
        for (int t = 0; t < 400; t++) {
            int rows = 1 + random.nextInt(5);
            int columns = 2 + random.nextInt(6);
            if (t % 3 == 0) {
                rows = 1; // one dimension: a single group
            }
            long[][] values = randomTable(random, rows, columns);
            boolean[][] suppressed = DisclosureControl.suppress(values, MIN_CELL);
            assertSafe(values, suppressed);
            if (anySuppressed(suppressed)) {
                suppressedTables++;
            }
        }
        assertThat(suppressedTables).as("tables that needed suppression").isGreaterThan(200);
    }

    @Test
    void aPinnedCycleOfZerosIsWidened() {
        // Row and column rules alone hide 2, 0, 0, 3 at the corners, but the zeros pin the cycle:
        // with non-negativity the 2 and the 3 could be read exactly.
        long[][] values = {
                {2, 0, 40},
                {0, 3, 50},
                {30, 20, 60}};
        boolean[][] suppressed = DisclosureControl.suppress(values, MIN_CELL);
        assertSafe(values, suppressed);
    }

    /** A release of one month over office × sex with the given cells ("PNH|F" → value). */
    private static DisclosureRelease month(List<String> offices, List<String> sexes, Map<String, Long> cells, boolean sensitive) {
        DisclosureReleaseTest.Window window = new DisclosureReleaseTest.Window(List.of("office", "sex"), List.of(offices, sexes),
                Map.of("2015-08", List.of()), new HashMap<>());
        window.figures().put("2015-08", cells);
        DisclosureRelease release = DisclosureReleaseTest.release(window, sensitive);
        assertThat(LpAttacker.attack(DisclosureReleaseTest.nodes(window, release), window.axes(), window.periods(), MIN_CELL)
                .pinnedCells()).isEmpty();
        return release;
    }

    private static boolean hidden(DisclosureRelease release, String... dimensionAndValue) {
        Map<String, String> cell = new LinkedHashMap<>();
        for (int i = 0; i < dimensionAndValue.length; i += 2) {
            cell.put(dimensionAndValue[i], dimensionAndValue[i + 1]);
        }
        return release.suppressed("2015-08", cell);
    }

    @Test
    void oneDimensionHidesTheSmallCellAndTheNextSmallest() {
        DisclosureRelease release = month(List.of("PNH"), List.of("F", "M", "X", "U"),
                Map.of("PNH|F", 82L, "PNH|M", 3L, "PNH|X", 0L, "PNH|U", 7L), false);
        assertThat(List.of("F", "M", "X", "U")).map(sex -> hidden(release, "sex", sex)).containsExactly(false, true, false, true);
        assertThat(release.value("2015-08", Map.of("sex", "F"))).isEqualTo(82L);
    }

    @Test
    void aLoneSmallCellTakesAZeroWithItWhenNothingElseIsNonZero() {
        // (A second office, empty: with one office its cell would be the published total.)
        DisclosureRelease release = month(List.of("PNH", "SRP"), List.of("F", "M"), Map.of("PNH|F", 4L, "PNH|M", 0L), false);
        assertThat(hidden(release, "sex", "F")).isTrue();
        assertThat(hidden(release, "sex", "M")).isTrue();
    }

    @Test
    void totalsByPeriodAloneStayUnlessSensitiveAndRecordCountsStay() {
        List<Cell> total = List.of(new Cell("2015-08", Map.of(), 3L, false));
        DisclosureControl control = new DisclosureControl(null, MIN_CELL);
        assertThat(control.forDonor(query(indicator(Measure.DISTINCT_SUBJECTS, false), List.of(), null), total).get(0).suppressed())
                .isFalse();
        List<Cell> meetings = List.of(cell("2015-08", "office", "PNH", 2), cell("2015-08", "office", "SRP", 12));
        assertThat(control.forDonor(query(indicator(Measure.RECORDS, false), List.of("office"), null), meetings))
                .extracting(Cell::suppressed).containsOnly(false);
        Map<String, Long> cells = Map.of("PNH|F", 1L, "PNH|M", 2L, "SRP|M", 30L);
        assertThat(hidden(month(List.of("PNH"), List.of("F", "M"), Map.of("PNH|F", 1L, "PNH|M", 2L), true)))
                .as("sensitive total").isTrue();
        DisclosureRelease release = month(List.of("PNH", "SRP"), List.of("F", "M"), cells, false);
        assertThat(hidden(release)).as("total").isFalse();
        assertThat(hidden(release, "office", "PNH")).as("an office filter is a breakdown").isTrue();
    }

    @Test
    void crossTabsOfTwoMonthsAreEachSafe() {
        DisclosureRelease july = month(List.of("PNH", "SRP"), List.of("F", "M", "U"),
                Map.of("PNH|F", 1L, "PNH|M", 9L, "PNH|U", 12L, "SRP|F", 8L, "SRP|M", 7L, "SRP|U", 30L), false);
        DisclosureRelease august = month(List.of("PNH", "SRP"), List.of("F", "M", "U"),
                Map.of("PNH|F", 0L, "PNH|M", 0L, "PNH|U", 2L, "SRP|F", 10L, "SRP|M", 11L, "SRP|U", 12L), false);
        assertThat(hidden(july, "office", "PNH", "sex", "F")).isTrue();
        assertThat(hidden(august, "office", "PNH", "sex", "U")).isTrue();
    }

    /** Every small cell hidden, no group with a lone hidden cell, no hidden value recoverable. */
    static void assertSafe(long[][] values, boolean[][] suppressed) {
        int rows = values.length;
        int columns = values[0].length;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                if (values[r][c] >= 1 && values[r][c] < MIN_CELL) {
                    assertThat(suppressed[r][c]).as("small cell %d,%d of %s", r, c, show(values)).isTrue();
                }
            }
        }
        List<int[]> hidden = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                if (suppressed[r][c]) {
                    hidden.add(new int[] {r, c});
                }
            }
        }
        if (hidden.isEmpty()) {
            return;
        }
        // The attacker's knowledge: the grand total (the period total), and each row and column
        // total that the table broken down by that dimension alone shows. Those margin tables
        // are single rows, whose safety the one-row tables of this test check.
        List<LinearConstraint> known = new ArrayList<>();
        if (rows > 1) {
            long[] rowTotals = Arrays.stream(values).mapToLong(v -> Arrays.stream(v).sum()).toArray();
            long[] columnTotals = new long[columns];
            for (long[] v : values) {
                for (int c = 0; c < columns; c++) {
                    columnTotals[c] += v[c];
                }
            }
            boolean[] rowHidden = DisclosureControl.suppress(new long[][] {rowTotals}, MIN_CELL)[0];
            boolean[] columnHidden = DisclosureControl.suppress(new long[][] {columnTotals}, MIN_CELL)[0];
            for (int r = 0; r < rows; r++) {
                int row = r;
                if (!rowHidden[r]) {
                    known.add(sum(values, suppressed, hidden, cell -> cell[0] == row));
                }
            }
            for (int c = 0; c < columns; c++) {
                int column = c;
                if (!columnHidden[c]) {
                    known.add(sum(values, suppressed, hidden, cell -> cell[1] == column));
                }
            }
        }
        known.add(sum(values, suppressed, hidden, cell -> true));
        for (int h = 0; h < hidden.size(); h++) {
            double low = solve(h, known, GoalType.MINIMIZE);
            double high = solve(h, known, GoalType.MAXIMIZE);
            int[] cell = hidden.get(h);
            assertThat(high - low).as("cell %d,%d (true value %d) lies in [%s, %s] in %s with %s", cell[0], cell[1],
                    values[cell[0]][cell[1]], low, high, show(values), show(suppressed)).isGreaterThan(0.5);
            assertThat((double) values[cell[0]][cell[1]]).isBetween(low - 1e-6, high + 1e-6);
        }
    }

    private static LinearConstraint sum(long[][] values, boolean[][] suppressed, List<int[]> hidden,
                                        Predicate<int[]> inGroup) {
        double[] coefficients = new double[hidden.size()];
        double hiddenTotal = 0;
        for (int h = 0; h < hidden.size(); h++) {
            int[] cell = hidden.get(h);
            if (inGroup.test(cell)) {
                coefficients[h] = 1;
                hiddenTotal += values[cell[0]][cell[1]];
            }
        }
        return new LinearConstraint(coefficients, Relationship.EQ, hiddenTotal);
    }

    /** Min or max of one variable, moved to the first column (see DisclosureControl.optimum). */
    private static double solve(int target, List<LinearConstraint> constraints, GoalType goal) {
        List<LinearConstraint> permuted = new ArrayList<>();
        for (LinearConstraint constraint : constraints) {
            double[] c = constraint.getCoefficients().toArray();
            double first = c[0];
            c[0] = c[target];
            c[target] = first;
            permuted.add(new LinearConstraint(c, Relationship.EQ, constraint.getValue()));
        }
        double[] objective = new double[constraints.get(0).getCoefficients().getDimension()];
        objective[0] = 1;
        return new SimplexSolver().optimize(new MaxIter(10_000), new LinearObjectiveFunction(objective, 0),
                new LinearConstraintSet(permuted), goal, new NonNegativeConstraint(true)).getValue();
    }

    private static long[][] randomTable(Random random, int rows, int columns) {
        long[][] values = new long[rows][columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                int kind = random.nextInt(10);
                values[r][c] = kind < 3 ? 0 : kind < 6 ? 1 + random.nextInt(MIN_CELL - 1) : MIN_CELL + random.nextInt(60);
            }
        }
        return values;
    }

    private static boolean anySuppressed(boolean[][] suppressed) {
        for (boolean[] row : suppressed) {
            for (boolean s : row) {
                if (s) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String show(long[][] values) {
        return Arrays.deepToString(Arrays.stream(values).map(Arrays::toString).toArray());
    }

    private static String show(boolean[][] values) {
        return Arrays.deepToString(Arrays.stream(values).map(Arrays::toString).toArray());
    }

    private static Indicator indicator(Measure measure, boolean sensitive) {
        return new Indicator("social.test", null, measure, List.of("client_contact"), Map.of(),
                List.of("office", "sex"), null, sensitive, null, null, null);
    }

    private static IndicatorQuery query(Indicator indicator, List<String> by, String office) {
        return new IndicatorQuery(indicator, List.of(Period.single("2015-08")), office, by);
    }

    private static Cell cell(String period, String dimension, String value, long count) {
        return new Cell(period, Map.of(dimension, value), count, false);
    }
}
